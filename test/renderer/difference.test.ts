// The difference view's pixel math: bicubic resizing as Pillow/OpenCV define it, and the heatmap built on it.
import { describe, expect, it } from 'vitest';
import { HEAT_LUT, differenceHeatmap, differenceSize, resizeBicubic, type RgbaImage } from '../../renderer/src/lib/view/difference.js';

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

const channel = (img: RgbaImage, x: number, y: number, c = 0): number => img.data[(y * img.width + x) * 4 + c] ?? -1;

describe('resizeBicubic', () => {
  it('keeps a flat colour flat (the weights sum to one)', () => {
    const out = resizeBicubic(image(5, 3, () => [200, 100, 7]), { width: 20, height: 12 });
    for (let i = 0; i < out.width * out.height; i++) expect([...out.data.subarray(i * 4, i * 4 + 4)]).toEqual([200, 100, 7, 255]);
  });

  it('is the identity at the same size', () => {
    const src = image(6, 4, (x, y) => [x * 40, y * 60, (x * y * 13) % 256]);
    expect([...resizeBicubic(src, { width: 6, height: 4 }).data]).toEqual([...src.data]);
  });

  it('reproduces a linear ramp away from the borders (cubic convolution is exact on linear data)', () => {
    const src = image(16, 4, (x) => [x * 10, 0, 0]);
    const out = resizeBicubic(src, { width: 64, height: 16 });
    for (let x = 12; x < 52; x++) {
      const sourceX = (x + 0.5) / 4 - 0.5;
      // Within 1 level: the only error is rounding to 8 bits.
      expect(Math.abs(channel(out, x, 8) - sourceX * 10)).toBeLessThanOrEqual(1);
    }
  });

  it('overshoots at a hard edge like the reference kernel (a = -0.5), clamped to 0..255', () => {
    const src = image(8, 2, (x) => (x < 4 ? [50, 50, 50] : [200, 200, 200]));
    const row = Array.from({ length: 32 }, (_, x) => channel(resizeBicubic(src, { width: 32, height: 8 }), x, 4));
    expect(Math.min(...row)).toBeLessThan(50);
    expect(Math.max(...row)).toBeGreaterThan(200);
  });
});

describe('differenceHeatmap', () => {
  it('is black with zero statistics for identical images', () => {
    const a = image(4, 4, (x, y) => [x * 30, y * 30, 90]);
    const map = differenceHeatmap(a, a, 4);
    expect(map.meanAbsolute).toBe(0);
    expect(map.changedFraction).toBe(0);
    for (let i = 0; i < 16; i++) expect([...map.heatmap.data.subarray(i * 4, i * 4 + 3)]).toEqual([0, 0, 0]);
  });

  it('lights up exactly where the result differs, scaled by the gain', () => {
    const reference = image(4, 1, () => [100, 100, 100]);
    const result = image(4, 1, (x) => (x === 2 ? [130, 130, 130] : [100, 100, 100]));
    const map = differenceHeatmap(result, reference, 4);
    expect(map.meanAbsolute).toBeCloseTo(30 / 4);
    expect(map.changedFraction).toBeCloseTo(0.25);
    const level = 120;
    expect([...map.heatmap.data.subarray(8, 11)]).toEqual([HEAT_LUT[level * 3], HEAT_LUT[level * 3 + 1], HEAT_LUT[level * 3 + 2]]);
    expect([...map.heatmap.data.subarray(0, 3)]).toEqual([0, 0, 0]);
  });

  it('saturates at white-yellow and refuses images of different sizes', () => {
    const map = differenceHeatmap(image(1, 1, () => [255, 255, 255]), image(1, 1, () => [0, 0, 0]), 4);
    expect([...map.heatmap.data.subarray(0, 3)]).toEqual([255, 250, 200]);
    expect(() => differenceHeatmap(image(2, 1, () => [0, 0, 0]), image(1, 1, () => [0, 0, 0]), 1)).toThrow(/one size/);
  });
});

describe('differenceSize', () => {
  it('keeps small results and shrinks huge ones under the pixel budget, keeping the aspect ratio', () => {
    expect(differenceSize({ width: 1000, height: 800 }, 1_000_000)).toEqual({ width: 1000, height: 800 });
    const size = differenceSize({ width: 8000, height: 4000 }, 2_000_000);
    expect(size.width * size.height).toBeLessThanOrEqual(2_000_000);
    expect(size.width / size.height).toBeCloseTo(2, 2);
  });
});
