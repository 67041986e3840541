// The image statistics of electron/common/image-metrics.ts (used by bench/seam-check.mjs, bench/before-after.mjs and
// the default-model test), on synthetic planes whose answers are known: studio-swing luma, gradient energy of ramps,
// box downscaling, PSNR, and the seam ratio, which must stay at 1 on a seamless texture and rise on a step placed at a
// tile seam of a real tile plan.
import { describe, expect, it } from 'vitest';
import {
  boxDownscale,
  cropPlane,
  diffStats,
  gradientEnergy,
  lineEnergies,
  luma,
  psnr,
  seamCentres,
  seamRatio,
  upsampledRaster,
} from '../../electron/common/image-metrics.js';
import { planTiles } from '../../electron/core/tiling/index.js';

/** A plane filled by f(x, y). */
function plane(width: number, height: number, f: (x: number, y: number) => number): Float64Array {
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = f(x, y);
  return out;
}

/** A texture with the same statistics on every line: detail everywhere, seams nowhere. */
const texture = (x: number, y: number): number => 0.5 + 0.05 * Math.sin(0.9 * x + 1.7 * y) * Math.cos(0.31 * x - 0.53 * y);

describe('image metrics', () => {
  it("luma is BT.601 studio-swing (pyiqa's Y: black 16/255, white 235/255) on the raster maximum", () => {
    const data = new Uint16Array([65535, 0, 0, 0, 65535, 0, 0, 0, 65535, 0, 0, 0, 65535, 65535, 65535, 1000, 1000, 1000]);
    const y = luma({ data, width: 3, height: 2, channels: 3, maxValue: 65535 });
    const studio = (v: number) => Number(((v + 16) / 255).toFixed(6));
    expect([...y].map((v) => Number(v.toFixed(6)))).toEqual([studio(65.481), studio(128.553), studio(24.966), studio(0), studio(219), studio((219 * 1000) / 65535)]);
  });

  it('turns an upsampler into an 8-bit raster, clamped and rounded', () => {
    const upsampler = { outWidth: 2, outHeight: 1, rows: () => new Float32Array([-0.1, 0.5, 1.2, 0.002, 0.998, 1]) };
    expect(upsampledRaster(upsampler)).toEqual({ data: new Uint8Array([0, 128, 255, 1, 254, 255]), width: 2, height: 1, channels: 3, maxValue: 255 });
  });

  it('gradient energy is 0 on a flat plane and adds the squared steps of both axes on a ramp', () => {
    expect(gradientEnergy(plane(8, 6, () => 0.4), 8, 6)).toBe(0);
    expect(gradientEnergy(plane(8, 6, (x) => 0.1 * x), 8, 6)).toBeCloseTo(0.01, 12);
    expect(gradientEnergy(plane(8, 6, (x, y) => 0.1 * x + 0.2 * y), 8, 6)).toBeCloseTo(0.05, 12);
  });

  it('line energies put a step on the edge where it happens', () => {
    const step = plane(6, 3, (x) => (x >= 4 ? 1 : 0));
    expect([...lineEnergies(step, 6, 3, 'x')]).toEqual([0, 0, 0, 0, 1, 0]);
    expect([...lineEnergies(step, 6, 3, 'y')]).toEqual([0, 0, 0]);
  });

  it('box downscaling averages blocks and refuses sizes that are not multiples', () => {
    const { plane: small, width, height } = boxDownscale(plane(4, 2, (x) => x), 4, 2, 2);
    expect({ width, height, values: [...small] }).toEqual({ width: 2, height: 1, values: [0.5, 2.5] });
    expect(() => boxDownscale(new Float64Array(6), 3, 2, 2)).toThrow(RangeError);
  });

  it('crops a region of a plane', () => {
    expect([...cropPlane(plane(4, 3, (x, y) => 10 * y + x), 4, 1, 1, 2, 2)]).toEqual([11, 12, 21, 22]);
  });

  it('PSNR and difference statistics', () => {
    const a = new Float64Array([0.5, 0.5, 0.5, 0.5]);
    expect(psnr(a, a)).toBe(Infinity);
    expect(psnr(a, new Float64Array([0.6, 0.4, 0.6, 0.4]))).toBeCloseTo(20, 10);
    expect(diffStats([1, 2, 3], [1, 5, 2])).toEqual({ max: 3, mean: 4 / 3 });
  });

  it('finds the seam centres of a tile plan, in output px', () => {
    // 300 LR px wide, 100 px tiles with 20 px overlap: 4 columns at 0, 67, 133, 200; one row.
    const plan = planTiles({ width: 300, height: 80, scale: 4, tile: { mode: 'fixed', size: 100 }, overlap: 20 });
    expect(plan.tiles.slice(0, plan.cols).map((t) => t.source.x)).toEqual([0, 67, 133, 200]);
    expect(seamCentres(plan)).toEqual({ x: [334, 600, 866], y: [] });
  });

  it('gives a seam ratio near 1 on a seamless texture and a high one with a step at a seam', () => {
    const plan = planTiles({ width: 56, height: 56, scale: 4, tile: { mode: 'fixed', size: 32 }, overlap: 8 });
    const centres = seamCentres(plan);
    expect(centres).toEqual({ x: [112], y: [112] });
    const [width, height] = [plan.outWidth, plan.outHeight];
    const seamless = seamRatio(plane(width, height, texture), width, height, centres);
    expect(seamless.all).toBeGreaterThan(0.9);
    expect(seamless.all).toBeLessThan(1.1);
    // A 3 % brightness step (8 levels in 8 bit) between the left and the right tiles: lost in the whole image's gradient
    // energy, plain on the seam lines.
    const stepped = plane(width, height, (x, y) => texture(x, y) + (x >= 112 ? 0.03 : 0));
    const ratio = seamRatio(stepped, width, height, centres);
    expect(ratio.x).toBeGreaterThan(1.2);
    expect(ratio.y).toBeCloseTo(seamless.y, 10);
    expect(gradientEnergy(stepped, width, height) / gradientEnergy(plane(width, height, texture), width, height)).toBeLessThan(1.01);
  });

  it('gives NaN for an axis without seams', () => {
    expect(seamRatio(plane(16, 16, texture), 16, 16, { x: [], y: [8] }).x).toBeNaN();
  });
});
