// A finished image run again after changing its settings, against the real engine: its own model is changed in
// "This image", "Run again" on its row runs it with that model (an idle queue starts), and the first output stays
// beside the new one.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { useStudio } from './support/session.js';

const FIRST = 'generic-x4-tiny';
const SECOND = 'tinysr-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: run a finished image again', () => {
  const suite = useStudio();

  it('runs a done image again with the model chosen for it afterwards, keeping the first output', async () => {
    const { studio } = suite.session;
    const out = path.join(suite.dir, 'out');
    await studio.settings.chooseModel(FIRST);
    await studio.settings.setOutputFolder(out);
    await studio.add.addPaths([await writeTestImage(path.join(suite.dir, 'again.png'), { width: 32, height: 24, format: 'png' })]);
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
