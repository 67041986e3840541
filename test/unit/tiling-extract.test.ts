// Tile extraction: CHW float layout, normalisation by maxValue, reflect padding beyond every border, batches.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../electron/core/shared/errors.js';
import { extractBatch, extractTile, planTiles, type Raster } from '../../electron/core/tiling/index.js';
import { noiseRaster, rasterFrom } from './tiling-testkit.js';

/** 3 x 2 image, R = 10 * x + y, G = 100 + R, B = 200 + R (8-bit), plus an alpha channel that must be ignored. */
const small: Raster = rasterFrom(3, 2, (x, y, c) => (c === 3 ? 1 : (c * 100 + 10 * x + y) / 255), 'u8', 4);

describe('extractTile', () => {
  it('lays out CHW floats in [0,1] and reflects beyond every border', () => {
    const tile = extractTile(small, { source: { x: -2, y: -1, width: 7, height: 4 } });
    expect(tile).toHaveLength(3 * 7 * 4);
    // x = -2..4 reflects to 2 1 0 1 2 1 0; y = -1..2 reflects to 1 0 1 0
    const xs = [2, 1, 0, 1, 2, 1, 0];
    const ys = [1, 0, 1, 0];
    for (let c = 0; c < 3; c++) {
      for (let ty = 0; ty < 4; ty++) {
        const row = [...tile.subarray(c * 28 + ty * 7, c * 28 + ty * 7 + 7)].map((v) => Math.round(v * 255));
        expect(row).toEqual(xs.map((x) => c * 100 + 10 * x + (ys[ty] as number)));
      }
    }
  });

  it('handles pads larger than the image, 1-pixel axes, 16-bit and float sources', () => {
    const column = rasterFrom(1, 3, (_x, y) => y / 2, 'u16');
    const tile = extractTile(column, { source: { x: -3, y: -5, width: 4, height: 9 } });
    // y = -5..3 over length 3 (period 4): 1 0 1 2 1 0 1 2 1
    const stored = [0, 32768, 65535]; // round(y / 2 x 65535)
    const expected = [1, 0, 1, 2, 1, 0, 1, 2, 1].flatMap((y) => Array(4).fill(stored[y]));
    expect([...tile.subarray(0, 36)].map((v) => Math.round(v * 65535))).toEqual(expected);
    const float = rasterFrom(2, 2, (x, y) => 0.25 * x + 0.5 * y, 'f32');
    expect([...extractTile(float, { source: { x: 0, y: 0, width: 2, height: 2 } }).subarray(0, 4)]).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it('writes into a caller buffer at an offset and rejects one that is too small', () => {
    const into = new Float32Array(100).fill(-1);
    const view = extractTile(small, { source: { x: 0, y: 0, width: 3, height: 2 } }, into, 10);
    expect(view).toHaveLength(18);
    expect(into[9]).toBe(-1);
    expect(into[10]).toBe(0);
    expect(into[28]).toBe(-1);
    expect(() => extractTile(small, { source: { x: 0, y: 0, width: 3, height: 2 } }, into, 90)).toThrow(AppError);
  });

  it('rejects a raster whose buffer does not match its size', () => {
    const bad: Raster = { data: new Uint8Array(5), width: 2, height: 2, channels: 3, maxValue: 255 };
    expect(() => extractTile(bad, { source: { x: 0, y: 0, width: 2, height: 2 } })).toThrow(/source: expected 2 x 2 x 3 = 12 samples, got 5/);
  });
});

describe('extractBatch', () => {
  it('equals the tiles extracted one by one, as N x 3 x h x w, reusing a preallocated buffer', () => {
    const image = noiseRaster(70, 45, 5);
    const plan = planTiles({ width: 70, height: 45, scale: 4, tile: { mode: 'fixed', size: 32 }, overlap: 8 });
    const buffer = new Float32Array(4 * plan.inputTileLength);
    for (let first = 0; first < plan.tiles.length; first += 4) {
      const batch = plan.tiles.slice(first, first + 4);
      const chw = extractBatch(image, batch, buffer);
      expect(chw).toHaveLength(batch.length * plan.inputTileLength);
      expect(chw.buffer).toBe(buffer.buffer);
      batch.forEach((tile, n) => {
        expect(chw.subarray(n * plan.inputTileLength, (n + 1) * plan.inputTileLength)).toEqual(extractTile(image, tile));
      });
    }
  });

  it('rejects mixed tile sizes and a buffer too small for the batch', () => {
    const image = noiseRaster(8, 8, 1);
    const a = { source: { x: 0, y: 0, width: 4, height: 4 } };
    const b = { source: { x: 0, y: 0, width: 5, height: 4 } };
    expect(() => extractBatch(image, [a, b])).toThrow(/tiles\[1\]/);
    expect(() => extractBatch(image, [a, a], new Float32Array(48))).toThrow(/room for 2 tiles/);
    expect(extractBatch(image, [])).toHaveLength(0);
  });
});
