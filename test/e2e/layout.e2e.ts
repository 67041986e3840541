// The window at a small laptop's size (1024 x 700) and at full HD, against the real engine: the image gets at least
// half the width at 1024 px (the settings collapse into a drawer opened from the header), the zoom reads relative to
// the original photo (so Fit of a x4 result is not "11 %"), and the difference view's legend says what bright means.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { keepEvidenceOnFailure, openStudio, type StudioSession } from './support/session.js';

const MODEL = 'generic-x4-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: layout at 1024 x 700 and 1920 x 1080', () => {
  let dir: string;
  let session: StudioSession;

  keepEvidenceOnFailure(() => session);

  beforeAll(async () => {
    dir = await makeTempDir();
    session = await openStudio({ dataDir: path.join(dir, 'data'), homeDir: dir });
    const { studio } = session;
    await studio.settings.chooseModel(MODEL);
    await studio.settings.setOutputFolder(path.join(dir, 'out'));
    await studio.add.addPaths([await writeTestImage(path.join(dir, 'photo.png'), { width: 160, height: 120, format: 'png' })]);
    await studio.queue.start();
    await studio.queue.waitForState('photo.png', 'done');
    await studio.queue.select('photo.png');
    await studio.compare.loadedImages();
  });

  afterAll(async () => {
    expect(await session?.close()).toBe(0);
    await removeTempDir(dir);
  });

  it('gives the image at least half of a 1024 px window, with the settings in a drawer', async () => {
    const { studio } = session;
    await studio.page.setViewportSize({ width: 1024, height: 700 });
    expect(await studio.layout.settingsVisible()).toBe(false);
    expect((await studio.compare.view().boundingBox())?.width).toBeGreaterThanOrEqual(512);
    await studio.layout.toggleSettings();
    expect(await studio.layout.settingsVisible()).toBe(true);
    await screenshotSizes(studio.page, 'layout-settings-drawer');
    await studio.layout.toggleSettings();
    expect(await studio.layout.settingsVisible()).toBe(false);
  });

  it('shows the settings beside the image at 1920 px', async () => {
    const { studio } = session;
    await studio.page.setViewportSize({ width: 1920, height: 1080 });
    expect(await studio.layout.settingsVisible()).toBe(true);
    expect((await studio.compare.view().boundingBox())?.width).toBeGreaterThanOrEqual(960);
  });

  it('reads zoom relative to the original: Fit of the x4 result is more than 100 %, and 100 % is the original size', async () => {
    const { studio } = session;
    await studio.page.setViewportSize({ width: 1024, height: 700 });
    await studio.compare.fit();
    // A 160 x 120 photo fills a frame several times its size: well over its own size, not a fraction of the result.
    expect(await studio.compare.zoomPercent()).toBeGreaterThan(100);
    await studio.compare.actualSize();
    expect(await studio.compare.zoomPercent()).toBe(100);
    await studio.compare.fit();
    await screenshotSizes(studio.page, 'main-window');
  });

  it('says that bright in the difference view means changed from bicubic', async () => {
    const { studio } = session;
    expect(await studio.compare.differenceLegend()).toMatch(/^Bright = changed from bicubic/);
    await screenshotSizes(studio.page, 'difference');
    await studio.compare.showSlider();
  });
});
