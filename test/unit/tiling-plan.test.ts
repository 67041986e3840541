// Tile planning: evened placement, tile sizes per mode, reflect padding of small images, band bookkeeping, and the
// blend weights (partition of unity, hard cut in the margin, weight 1 at image borders).
import { describe, expect, it } from 'vitest';
import { AppError } from '../../electron/core/shared/errors.js';
import { planTiles, reflectIndex, type PlanOptions, type TilePlan } from '../../electron/core/tiling/index.js';

/** Distinct starts and the tile length along one axis. */
function axis(plan: TilePlan, which: 'x' | 'y'): { starts: number[]; length: number; imageLength: number } {
  const starts = [...new Set(plan.tiles.map((t) => (which === 'x' ? t.source.x : t.source.y)))];
  return which === 'x'
    ? { starts, length: plan.tileWidth, imageLength: plan.width }
    : { starts, length: plan.tileHeight, imageLength: plan.height };
}

/** Sum of weightX * weightY over the tiles covering each HR pixel. */
function weightSums(plan: TilePlan): Float64Array {
  const sums = new Float64Array(plan.outWidth * plan.outHeight);
  for (const tile of plan.tiles) {
    const ox = tile.source.x * plan.scale;
    const oy = tile.source.y * plan.scale;
    for (let y = tile.valid.y; y < tile.valid.y + tile.valid.height; y++) {
      for (let x = tile.valid.x; x < tile.valid.x + tile.valid.width; x++) {
        sums[y * plan.outWidth + x] = (sums[y * plan.outWidth + x] as number) + (tile.weightX[x - ox] as number) * (tile.weightY[y - oy] as number);
      }
    }
  }
  return sums;
}

const CASES: Array<[string, PlanOptions]> = [
  ['TinySR 128 fixed, 600 x 450, overlap 16', { width: 600, height: 450, scale: 4, tile: { mode: 'fixed', size: 128 }, overlap: 16 }],
  ['fixed, image smaller than a tile', { width: 50, height: 3, scale: 4, tile: { mode: 'fixed', size: 128 }, overlap: 16 }],
  ['fixed, 1 px wide', { width: 1, height: 300, scale: 2, tile: { mode: 'fixed', size: 64 }, overlap: 8 }],
  ['fixed, exact multiple of the stride', { width: 232, height: 120, scale: 3, tile: { mode: 'fixed', size: 64 }, overlap: 8 }],
  ['fixed, one px more than a tile', { width: 65, height: 64, scale: 1, tile: { mode: 'fixed', size: 64 }, overlap: 8 }],
  ['fixed, primes, no overlap', { width: 211, height: 97, scale: 2, tile: { mode: 'fixed', size: 32 }, overlap: 0 }],
  ['fixed, overlap above a third of the tile', { width: 250, height: 90, scale: 2, tile: { mode: 'fixed', size: 64 }, overlap: 30, margin: 5 }],
  ['free, multiple of 8', { width: 701, height: 333, scale: 4, tile: { mode: 'free', size: 256, multipleOf: 8 }, overlap: 24 }],
  ['free, small image with a min', { width: 13, height: 9, scale: 4, tile: { mode: 'free', size: 256, multipleOf: 8, min: 32 }, overlap: 8 }],
  ['free, multiple of 1', { width: 517, height: 263, scale: 1, tile: { mode: 'free', size: 100, multipleOf: 1 }, overlap: 11, margin: 3 }],
];

describe('planTiles', () => {
  it.each(CASES)('%s: evened, minimal, covering placement', (_name, options) => {
    const plan = planTiles(options);
    expect(plan.outWidth).toBe(options.width * options.scale);
    expect(plan.outHeight).toBe(options.height * options.scale);
    expect(plan.tiles).toHaveLength(plan.cols * plan.rows);
    for (const which of ['x', 'y'] as const) {
      const { starts, length, imageLength } = axis(plan, which);
      expect(starts).toHaveLength(which === 'x' ? plan.cols : plan.rows);
      if (options.tile.mode === 'fixed') expect(length).toBe(options.tile.size);
      else {
        expect(length % options.tile.multipleOf).toBe(0);
        expect(length).toBeLessThanOrEqual(options.tile.size);
        expect(length).toBeGreaterThanOrEqual(options.tile.min ?? 1);
      }
      if (starts.length === 1) {
        // one tile: centred, reaching beyond the image on both sides when the image is shorter than it
        expect(length).toBeGreaterThanOrEqual(imageLength);
        expect(starts[0]).toBe(Math.ceil((imageLength - length) / 2) + 0);
        continue;
      }
      expect(starts[0]).toBe(0);
      expect((starts.at(-1) as number) + length).toBe(imageLength);
      const strides = starts.slice(1).map((s, i) => s - (starts[i] as number));
      for (const stride of strides) expect(length - stride).toBeGreaterThanOrEqual(options.overlap);
      // evened: no sliver, strides differ by at most one pixel
      expect(Math.max(...strides) - Math.min(...strides)).toBeLessThanOrEqual(1);
      // minimal: one tile fewer of the maximum size could not cover the image with the overlap
      const n = starts.length;
      expect((n - 2) * (options.tile.size - options.overlap) + options.tile.size).toBeLessThan(imageLength);
      if (options.tile.mode === 'free') {
        // and the tile could not be a multiple smaller
        const smaller = length - options.tile.multipleOf;
        const seamRoom = n >= 3 ? Math.min(3 * options.overlap, options.tile.size) : 1;
        if (smaller >= Math.max(options.tile.min ?? 1, seamRoom)) expect(n * smaller - (n - 1) * options.overlap).toBeLessThan(imageLength);
      }
    }
  });

  it.each(CASES)('%s: row-major order, bands, valid rectangles', (_name, options) => {
    const plan = planTiles(options);
    const s = options.scale;
    plan.tiles.forEach((tile, i) => {
      expect(tile.index).toBe(i);
      expect(tile.row).toBe(Math.floor(i / plan.cols));
      expect(tile.col).toBe(i % plan.cols);
      const x0 = Math.max(0, tile.source.x);
      const x1 = Math.min(options.width, tile.source.x + tile.source.width);
      const y0 = Math.max(0, tile.source.y);
      const y1 = Math.min(options.height, tile.source.y + tile.source.height);
      expect(tile.valid).toEqual({ x: x0 * s, y: y0 * s, width: (x1 - x0) * s, height: (y1 - y0) * s });
      expect(tile.weightX).toHaveLength(plan.tileWidth * s);
      expect(tile.weightY).toHaveLength(plan.tileHeight * s);
    });
    expect(plan.bands.map((b) => b.row)).toEqual([...Array(plan.rows).keys()]);
    plan.bands.forEach((band, r) => {
      expect(band.firstTile).toBe(r * plan.cols);
      expect(band.tileCount).toBe(plan.cols);
      const next = plan.tiles[(r + 1) * plan.cols];
      // rows above the next band's first source row can no longer change
      expect(band.finishedRows).toBe(next === undefined ? plan.outHeight : next.source.y * s);
    });
    expect(plan.inputTileLength).toBe(3 * plan.tileWidth * plan.tileHeight);
    expect(plan.outputTileLength).toBe(3 * plan.tileWidth * plan.tileHeight * s * s);
  });

  it.each(CASES)('%s: weights are a partition of unity', (_name, options) => {
    const plan = planTiles(options);
    const sums = weightSums(plan);
    let worst = 0;
    for (const sum of sums) worst = Math.max(worst, Math.abs(sum - 1));
    expect(worst).toBeLessThan(1e-6);
    let lowest = Infinity;
    let highest = -Infinity;
    for (const tile of plan.tiles) {
      for (const w of [tile.weightX, tile.weightY].flatMap((a) => [...a])) {
        lowest = Math.min(lowest, w);
        highest = Math.max(highest, w);
      }
    }
    expect(lowest).toBeGreaterThanOrEqual(0);
    expect(highest).toBeLessThanOrEqual(1);
  });

  it.each(CASES.filter(([, o]) => o.overlap * 3 <= o.tile.size))('%s: zero weight within the margin of inner tile edges, 1 at image borders', (_name, options) => {
    const plan = planTiles(options);
    const cut = plan.margin * plan.scale;
    for (const tile of plan.tiles) {
      const wx = tile.weightX;
      const wy = tile.weightY;
      if (tile.col > 0) for (let k = 0; k < cut; k++) expect(wx[k]).toBe(0);
      else expect(wx[tile.valid.x - tile.source.x * plan.scale]).toBe(1);
      if (tile.col < plan.cols - 1) for (let k = 0; k < cut; k++) expect(wx[wx.length - 1 - k]).toBe(0);
      else expect(wx[tile.valid.x + tile.valid.width - 1 - tile.source.x * plan.scale]).toBe(1);
      if (tile.row > 0) for (let k = 0; k < cut; k++) expect(wy[k]).toBe(0);
      if (tile.row < plan.rows - 1) for (let k = 0; k < cut; k++) expect(wy[wy.length - 1 - k]).toBe(0);
    }
  });

  it('ramps smoothly: a raised-cosine fade across the overlap, monotone, with no jump above 1 / (ramp length) x pi/2', () => {
    const plan = planTiles({ width: 300, height: 64, scale: 4, tile: { mode: 'fixed', size: 64 }, overlap: 16, margin: 2 });
    const rampLength = (16 - 2 * 2) * 4;
    const right = plan.tiles[1] as (typeof plan.tiles)[number];
    const w = right.weightX;
    let steps = 0;
    for (let k = 1; k < w.length / 2; k++) {
      const step = (w[k] as number) - (w[k - 1] as number);
      expect(step).toBeGreaterThanOrEqual(0);
      expect(step).toBeLessThanOrEqual(Math.PI / 2 / rampLength + 1e-6);
      if (step > 0) steps++;
    }
    expect(steps).toBeGreaterThanOrEqual(rampLength - 1);
  });

  it('defaults the margin to a quarter of the overlap', () => {
    expect(planTiles({ width: 500, height: 500, scale: 4, tile: { mode: 'fixed', size: 128 }, overlap: 16 }).margin).toBe(4);
    expect(planTiles({ width: 500, height: 500, scale: 4, tile: { mode: 'fixed', size: 128 }, overlap: 0 }).margin).toBe(0);
  });

  it.each<[string, PlanOptions, string]>([
    ['overlap >= tile', { width: 10, height: 10, scale: 4, tile: { mode: 'fixed', size: 16 }, overlap: 16 }, 'overlap'],
    ['margin too large', { width: 10, height: 10, scale: 4, tile: { mode: 'fixed', size: 16 }, overlap: 4, margin: 2 }, 'margin'],
    ['margin without overlap', { width: 10, height: 10, scale: 4, tile: { mode: 'fixed', size: 16 }, overlap: 0, margin: 1 }, 'margin'],
    ['size not a multiple', { width: 10, height: 10, scale: 4, tile: { mode: 'free', size: 100, multipleOf: 8 }, overlap: 4 }, 'tile.size'],
    ['min above size', { width: 10, height: 10, scale: 4, tile: { mode: 'free', size: 64, multipleOf: 8, min: 72 }, overlap: 4 }, 'tile.min'],
    ['fractional width', { width: 10.5, height: 10, scale: 4, tile: { mode: 'fixed', size: 16 }, overlap: 4 }, 'width'],
    ['zero height', { width: 10, height: 0, scale: 4, tile: { mode: 'fixed', size: 16 }, overlap: 4 }, 'height'],
    ['scale 0', { width: 10, height: 10, scale: 0, tile: { mode: 'fixed', size: 16 }, overlap: 4 }, 'scale'],
  ])('rejects %s with INVALID_ARGUMENT naming the option', (_name, options, argument) => {
    try {
      planTiles(options);
      expect.unreachable('planTiles accepted bad options');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('INVALID_ARGUMENT');
      expect((error as AppError).details?.['argument']).toBe(argument);
      expect((error as AppError).message).toContain(argument);
    }
  });
});

describe('reflectIndex', () => {
  it('mirrors without repeating the edge pixel, at any distance', () => {
    expect([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflectIndex(i, 4))).toEqual([3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
    expect([-9, -8, 7, 8, 9, 100].map((i) => reflectIndex(i, 4))).toEqual([3, 2, 1, 2, 3, 2]);
    expect([-5, 0, 5].map((i) => reflectIndex(i, 1))).toEqual([0, 0, 0]);
    expect([-3, -2, -1, 2, 3, 4].map((i) => reflectIndex(i, 2))).toEqual([1, 0, 1, 0, 1, 0]);
  });
});
