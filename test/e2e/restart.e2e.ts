// The queue survives a restart: stop `tinysr serve` with Ctrl-C while an image is being upscaled, start it again on
// the same data folder, and the saved queue comes back in a fresh browser session and runs to the end.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, readMetadata, removeTempDir, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { keepEvidenceOnFailure, openStudio, type StudioSession } from './support/session.js';

const MODEL = 'generic-x4-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: restart', () => {
  let dir: string;
  let session: StudioSession | undefined;

  keepEvidenceOnFailure(() => session);

  beforeAll(async () => {
    dir = await makeTempDir();
  });

  afterAll(async () => {
    await session?.close();
    await removeTempDir(dir);
  });

  it('resumes the saved queue after the server is stopped mid-run and started again', async () => {
    const options = { dataDir: path.join(dir, 'data'), homeDir: dir };
    const out = path.join(dir, 'out');
    const big = await writeTestImage(path.join(dir, 'big.png'), { width: 640, height: 480, format: 'png' });
    const small = await writeTestImage(path.join(dir, 'small.jpg'), { width: 24, height: 20, format: 'jpeg' });

    const first = await openStudio(options);
    session = first;
    await first.studio.settings.chooseModel(MODEL);
    await first.studio.settings.setOutputFolder(out);
    await first.studio.add.addPaths([big, small]);
    await first.studio.queue.waitForState('small.jpg', 'queued');
    await first.studio.queue.start();
    await first.studio.queue.waitForTileProgress('big.png');
    session = undefined;
    expect(await first.close()).toBe(0);
    // Stopping cancelled the running image in the engine: nothing half-written is left (the folder may not exist yet).
    expect(await fs.readdir(out).catch(() => [])).toEqual([]);

    const second = await openStudio(options);
    session = second;
    expect(second.serve.token).toBe(first.serve.token); // the token is kept from run to run (the port here is a free one: --port 0)
    // No click: the queue was running when the server stopped, so it goes on by itself.
    await second.studio.queue.waitForState('big.png', 'done');
    await second.studio.queue.waitForState('small.jpg', 'done');
    expect(await second.studio.queue.items().count()).toBe(2);
    expect((await fs.readdir(out)).sort()).toEqual([`big_${MODEL}_x4.png`, `small_${MODEL}_x4.png`]);
    expect(await readMetadata(path.join(out, `big_${MODEL}_x4.png`))).toMatchObject({ width: 2560, height: 1920 });
    expect(await readMetadata(path.join(out, `small_${MODEL}_x4.png`))).toMatchObject({ width: 96, height: 80 });
  });
});
