// A user's first batch in browser mode, end to end: headless Chromium drives the real UI served by `tinysr serve`,
// which runs the real engine on the fixture models. A region preview first; then two good images and one damaged
// file: both outputs are on disk at x4 size, the damaged one fails with a clear message (and stops nothing), and the
// comparison shows the original and the result (screenshot written to test-results/e2e-screenshots/, a kept copy in test/e2e/screenshots/).
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, readMetadata, removeTempDir, writeTestImage, writeTruncatedImage } from '../helpers/images.js';
import type { StudioPage } from './pages/studio-page.js';
import { chromiumAvailable } from './support/chromium.js';
import { SCREENSHOTS } from './support/serve-process.js';
import { keepEvidenceOnFailure, openStudio, type StudioSession } from './support/session.js';

const MODEL = 'generic-x4-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: a batch with a damaged file', () => {
  let dir: string;
  let out: string;
  let session: StudioSession;
  let studio: StudioPage;
  const photo = (name: string): string => path.join(dir, 'photos', name);

  keepEvidenceOnFailure(() => session);

  beforeAll(async () => {
    dir = await makeTempDir();
    out = path.join(dir, 'upscaled photos');
    await writeTestImage(photo('one.jpg'), { width: 40, height: 32, format: 'jpeg' });
    await writeTestImage(photo('twö.png'), { width: 24, height: 40, format: 'png' });
    await writeTruncatedImage(photo('broken.png'), 'png');
    session = await openStudio({ dataDir: path.join(dir, 'data'), homeDir: dir });
    studio = session.studio;
  });

  afterAll(async () => {
    expect(await session?.close()).toBe(0);
    await removeTempDir(dir);
  });

  // The steps below are one user's session, in order.
  it('previews the visible region of a queued image before the run, writing nothing to the output folder', async () => {
    await studio.settings.chooseModel(MODEL);
    await studio.settings.setOutputFolder(out);
    await studio.add.addPaths([photo('one.jpg'), photo('twö.png'), photo('broken.png')]);
    for (const name of ['one.jpg', 'twö.png', 'broken.png']) await studio.queue.waitForState(name, 'queued');

    await studio.queue.select('twö.png');
    // Fitted in the view, the whole 24 x 40 image is visible: the preview is all of it at x4.
    expect(await studio.compare.previewVisible()).toEqual({ width: 96, height: 160 });
    expect(await fs.readdir(out).catch(() => [])).toEqual([]);
  });

  it('writes the two good images at x4 and shows one clear failure for the damaged file', async () => {
    await studio.queue.start();
    await studio.queue.waitForState('one.jpg', 'done');
    await studio.queue.waitForState('twö.png', 'done');
    await studio.queue.waitForState('broken.png', 'failed');

    expect((await fs.readdir(out)).sort()).toEqual([`one_${MODEL}_x4.png`, `twö_${MODEL}_x4.png`]);
    expect(await readMetadata(path.join(out, `one_${MODEL}_x4.png`))).toMatchObject({ width: 160, height: 128 });
    expect(await readMetadata(path.join(out, `twö_${MODEL}_x4.png`))).toMatchObject({ width: 96, height: 160 });

    const failure = await studio.queue.errorOf('broken.png');
    expect(failure.code).toBe('INPUT_CORRUPT');
    expect(failure.text).toContain('broken.png');
    expect(failure.text).toMatch(/damaged|truncated/);
    expect(failure.text).not.toMatch(/\n\s+at |\.js:\d+/);
    expect(session.serve.output()).not.toMatch(/Error: |\n\s+at /);
  });

  it('shows the original and the result in the comparison view', async () => {
    await studio.queue.select('one.jpg');
    const images = await studio.compare.loadedImages();
    expect(images.before).toEqual({ width: 40, height: 32 });
    expect(images.after).toEqual({ width: 160, height: 128 });
    await fs.mkdir(SCREENSHOTS, { recursive: true });
    await studio.page.screenshot({ path: path.join(SCREENSHOTS, 'batch-compare.png') });
  });
});
