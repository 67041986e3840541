// A finished image run again after changing its settings, against the real engine: its own model is changed in
// "This image", "Run again" on its row runs it with that model (an idle queue starts), and the first output stays
// beside the new one.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { keepEvidenceOnFailure, openStudio, type StudioSession } from './support/session.js';

const FIRST = 'generic-x4-tiny';
const SECOND = 'tinysr-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: run a finished image again', () => {
  let dir: string;
  let session: StudioSession;

  keepEvidenceOnFailure(() => session);

  beforeAll(async () => {
    dir = await makeTempDir();
    session = await openStudio({ dataDir: path.join(dir, 'data'), homeDir: dir });
  });

  afterAll(async () => {
    expect(await session?.close()).toBe(0);
    await removeTempDir(dir);
  });

  it('runs a done image again with the model chosen for it afterwards, keeping the first output', async () => {
    const { studio } = session;
    const out = path.join(dir, 'out');
    await studio.settings.chooseModel(FIRST);
    await studio.settings.setOutputFolder(out);
    await studio.add.addPaths([await writeTestImage(path.join(dir, 'again.png'), { width: 32, height: 24, format: 'png' })]);
    await studio.queue.start();
    await studio.queue.waitForState('again.png', 'done');
    expect(await studio.queue.attemptsOf('again.png')).toBe(1);

    await studio.queue.select('again.png');
    await studio.settings.chooseItemModel(SECOND);
    await screenshotSizes(studio.page, 'run-again', { settings: true });
    await studio.queue.runAgain('again.png');
    await studio.page.locator('[data-testid="queue-item"][data-name="again.png"][data-state="done"][data-attempts="2"]').waitFor({ timeout: 150_000 });

    expect((await fs.readdir(out)).sort()).toEqual([`again_${FIRST}_x4.png`, `again_${SECOND}_x4.png`]);
  });
});
