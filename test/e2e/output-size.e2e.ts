// The output size, against the real engine: x2 from a x4 model (named _x2), and a long edge in pixels with the other
// side in proportion; a long edge out of range is refused in the field.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetadata, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { useStudio } from './support/session.js';

const MODEL = 'generic-x4-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: output size', () => {
  const suite = useStudio();

  it('writes x2 of a x4 model, then a 100 px long edge, each at the size asked for', async () => {
    const { studio } = suite.session;
    const out = path.join(suite.dir, 'out');
    await studio.settings.chooseModel(MODEL);
    await studio.settings.setOutputFolder(out);
    await studio.settings.chooseSize('x2');
    await studio.add.addPaths([await writeTestImage(path.join(suite.dir, 'half.png'), { width: 40, height: 30, format: 'png' })]);
    await studio.queue.start();
    await studio.queue.waitForState('half.png', 'done');
    expect(await readMetadata(path.join(out, `half_${MODEL}_x2.png`))).toMatchObject({ width: 80, height: 60 });

    expect(await studio.settings.chooseLongEdge('5')).toBe('The long edge is a whole number from 16 to 65535.');
    expect(await studio.settings.chooseLongEdge('100')).toBeNull();
    await screenshotSizes(studio.page, 'output-size', { settings: true });
    await studio.add.addPaths([await writeTestImage(path.join(suite.dir, 'edge.png'), { width: 30, height: 40, format: 'png' })]);
    await studio.queue.start();
    await studio.queue.waitForState('edge.png', 'done');
    expect(await readMetadata(path.join(out, `edge_${MODEL}_x4.png`))).toMatchObject({ width: 75, height: 100 });
    expect((await fs.readdir(out)).sort()).toEqual([`edge_${MODEL}_x4.png`, `half_${MODEL}_x2.png`]);
  });
});
