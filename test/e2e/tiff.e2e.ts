// TIFF in the comparison, against the real engine: Chromium cannot decode TIFF, so a TIFF input and a TIFF output are
// shown through PNG copies the engine makes. The thumbnail loads, the "Original" side is the input at its size and
// the "Result" side is the x4 output (it showed the original before), and the difference view can read both.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetadata, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { useStudio } from './support/session.js';

const MODEL = 'generic-x4-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: TIFF in and out', () => {
  const suite = useStudio();

  it('shows a TIFF input and its TIFF result, each at its own size, never the original as the result', async () => {
    const { studio } = suite.session;
    const out = path.join(suite.dir, 'out');
    await studio.settings.chooseModel(MODEL);
    await studio.settings.setOutputFolder(out);
    await studio.settings.chooseFormat('tiff');
    await studio.add.addPaths([await writeTestImage(path.join(suite.dir, 'scan.tif'), { width: 48, height: 32, format: 'tiff' })]);
    await studio.queue.waitForState('scan.tif', 'queued');
    expect(await studio.queue.thumbnailSize('scan.tif')).toEqual({ width: 48, height: 32 });

    await studio.queue.start();
    await studio.queue.waitForState('scan.tif', 'done');
    expect(await fs.readdir(out)).toEqual([`scan_${MODEL}_x4.tif`]);
    expect(await readMetadata(path.join(out, `scan_${MODEL}_x4.tif`))).toMatchObject({ format: 'tiff', width: 192, height: 128 });

    await studio.queue.select('scan.tif');
    expect(await studio.compare.loadedImages()).toEqual({ before: { width: 48, height: 32 }, after: { width: 192, height: 128 } });
    expect(await studio.compare.differenceLegend()).toMatch(/changed from bicubic/);
    await screenshotSizes(studio.page, 'tiff-difference');
    await studio.compare.showSlider();
    await screenshotSizes(studio.page, 'tiff-compare');
  });
});
