// The app's side of the cross-language goldens (test/fixtures/golden/, written by `npm run gen:goldens`): the tile plan
// and blend weights of electron/core/tiling, and PSNR-Y of electron/common/image-metrics.ts. training/tests/test_golden_fixtures.py
// holds the Python port (eval/tiler.py) and metric (eval/metrics.py) to the same files, so the two languages agree
// with each other and not only with themselves.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { psnrY } from '../../electron/common/image-metrics.js';
import { planTiles, reflectIndex } from '../../electron/core/tiling/index.js';

const GOLDEN = path.resolve(import.meta.dirname, '..', 'fixtures', 'golden');
const read = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(GOLDEN, name), 'utf8')) as T;

interface AxisCase {
  length: number;
  tile: number;
  scale: number;
  overlap: number;
  margin: number;
  starts: number[];
  weights: number[][];
}
const tiler = read<{ axes: AxisCase[]; reflect: { length: number; indices: number[]; expected: number[] }[] }>('tiler.json');
const psnr = read<{ width: number; height: number; pairs: { name: string; a: number[]; b: number[]; psnr_y_db: number }[] }>('psnr-y.json');

describe('golden: tiler', () => {
  it.each(tiler.axes.map((c) => [`length ${c.length}, tile ${c.tile}, x${c.scale}, overlap ${c.overlap}, margin ${c.margin}`, c] as const))(
    '%s: same starts and blend weights',
    (_name, c) => {
      const plan = planTiles({ width: c.length, height: 1, scale: c.scale, tile: { mode: 'fixed', size: c.tile }, overlap: c.overlap, margin: c.margin });
      const row = plan.tiles.filter((t) => t.row === 0);
      expect(row.map((t) => t.source.x)).toEqual(c.starts);
      row.forEach((t, i) => {
        const expected = c.weights[i] ?? [];
        expect(t.weightX.length).toBe(expected.length);
        for (let k = 0; k < expected.length; k++) expect(Math.abs((t.weightX[k] as number) - (expected[k] as number))).toBeLessThan(1e-7);
      });
    },
  );

  it('reflects indices beyond the border the same way', () => {
    for (const r of tiler.reflect) expect(r.indices.map((i) => reflectIndex(i, r.length))).toEqual(r.expected);
  });
});

describe('golden: PSNR-Y (pyiqa, studio-swing BT.601)', () => {
  const raster = (data: number[]) => ({ data: Uint8Array.from(data), width: psnr.width, height: psnr.height, channels: 3, maxValue: 255 });
  it.each(psnr.pairs.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    expect(Math.abs(psnrY(raster(p.a), raster(p.b)) - p.psnr_y_db)).toBeLessThan(1e-4);
  });
});
