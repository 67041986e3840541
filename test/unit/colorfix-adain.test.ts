// AdaIN colour fix and whole-image channel statistics: the official definition (unbiased variance + 1e-5), streaming
// accumulation by row ranges, output statistics equal to the LR's, and the colour-fix dispatcher.
import { describe, expect, it } from 'vitest';
import {
  ADAIN_EPSILON,
  applyAdain,
  applyColorFix,
  applyWaveletColorFix,
  ChannelStatsAccumulator,
  channelStats,
  type Raster,
} from '../../electron/core/tiling/index.js';
import { firstDifference, noiseRaster, prng, rasterFrom } from './tiling-testkit.js';

/** Two-pass float64 mean and sqrt(unbiased variance + eps), per channel. */
function naiveStats(raster: Raster): { mean: number[]; std: number[] } {
  const n = raster.width * raster.height;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (raster.data[i * raster.channels + c] as number) / raster.maxValue;
    const m = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += ((raster.data[i * raster.channels + c] as number) / raster.maxValue - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt((n > 1 ? sq / (n - 1) : 0) + ADAIN_EPSILON));
  }
  return { mean, std };
}

describe('channelStats', () => {
  it.each([
    ['8-bit', noiseRaster(37, 23, 1, 'u8')],
    ['16-bit RGBA', noiseRaster(19, 41, 2, 'u16', 4)],
    ['float, nearly flat around 0.9', rasterFrom(30, 30, (x, y) => 0.9 + 1e-4 * ((x * y) % 7), 'f32')],
  ])('%s: equals a two-pass float64 computation', (_name, raster) => {
    const stats = channelStats(raster);
    const naive = naiveStats(raster);
    expect(stats.count).toBe(raster.width * raster.height);
    for (let c = 0; c < 3; c++) {
      expect(stats.mean[c]).toBeCloseTo(naive.mean[c] as number, 12);
      expect(stats.std[c]).toBeCloseTo(naive.std[c] as number, 12);
    }
  });

  it('accumulates row ranges (as the stitcher finishes bands) to the whole-image result', () => {
    const raster = noiseRaster(50, 40, 3, 'u8');
    const accumulator = new ChannelStatsAccumulator();
    for (const [from, to] of [[0, 13], [13, 13], [13, 30], [30, 40]] as const) accumulator.addRows(raster, from, to);
    const streamed = accumulator.result();
    const whole = channelStats(raster);
    for (let c = 0; c < 3; c++) {
      expect(streamed.mean[c]).toBeCloseTo(whole.mean[c] as number, 13);
      expect(streamed.std[c]).toBeCloseTo(whole.std[c] as number, 13);
    }
  });

  it('handles a single pixel (variance 0, no NaN) and refuses an empty accumulator', () => {
    const stats = channelStats(rasterFrom(1, 1, () => 0.5, 'f32'));
    expect(stats.std).toEqual([Math.sqrt(ADAIN_EPSILON), Math.sqrt(ADAIN_EPSILON), Math.sqrt(ADAIN_EPSILON)]);
    expect(() => new ChannelStatsAccumulator().result()).toThrow(/no pixels/);
    expect(() => new ChannelStatsAccumulator().addRows(noiseRaster(2, 2, 1), 1, 3)).toThrow(/rows: expected/);
  });
});

describe('applyAdain', () => {
  it('maps each channel affinely: (v - mean_sr) / std_sr x std_lr + mean_lr, clamped', () => {
    const sr = noiseRaster(20, 20, 4, 'f32');
    const original = sr.data.slice();
    const reference = { mean: [0.2, 0.5, 0.9] as [number, number, number], std: [0.05, 0.3, 0.2] as [number, number, number], count: 1 };
    const current = channelStats(sr);
    applyAdain(sr, reference);
    for (let i = 0; i < original.length; i++) {
      const c = i % 3;
      const expected = (((original[i] as number) - (current.mean[c] as number)) / (current.std[c] as number)) * (reference.std[c] as number) + (reference.mean[c] as number);
      expect(sr.data[i]).toBeCloseTo(Math.min(1, Math.max(0, expected)), 6);
    }
  });

  it("gives the SR output the LR input's whole-image statistics", () => {
    const random = prng(5);
    const lr = rasterFrom(40, 30, (_x, _y, c) => 0.45 + 0.05 * c + 0.1 * (random() - 0.5), 'u16');
    const sr = rasterFrom(160, 120, (_x, _y, c) => 0.3 + 0.1 * c + 0.3 * random(), 'u16');
    const target = channelStats(lr);
    const before = channelStats(sr);
    applyAdain(sr, target);
    const after = channelStats(sr);
    const variance = (std: number): number => std * std - ADAIN_EPSILON;
    for (let c = 0; c < 3; c++) {
      expect(Math.abs((after.mean[c] as number) - (target.mean[c] as number))).toBeLessThan(1e-5);
      // the eps inside both stds makes the match exact only up to the factor var_sr / (var_sr + eps)
      const b = before.std[c] as number;
      const expected = ((target.std[c] as number) ** 2 * variance(b)) / (b * b);
      expect(Math.abs(variance(after.std[c] as number) / expected - 1)).toBeLessThan(1e-3);
    }
  });

  it('uses statistics gathered while stitching instead of measuring them again', () => {
    const sr = noiseRaster(16, 16, 6, 'u8');
    const copy: Raster = { ...sr, data: sr.data.slice() };
    const target = channelStats(noiseRaster(4, 4, 7));
    applyAdain(sr, target, new ChannelStatsAccumulator().addRows(sr, 0, 8).addRows(sr, 8, 16).result());
    applyAdain(copy, target);
    expect(firstDifference(sr.data, copy.data)).toBe(-1);
  });
});

describe('applyColorFix', () => {
  const lr = noiseRaster(12, 10, 8);
  const fresh = (): Raster => noiseRaster(48, 40, 9);

  it("dispatches on the manifest's colorFix", () => {
    const none = fresh();
    applyColorFix('none', none, lr);
    expect(firstDifference(none.data, fresh().data)).toBe(-1);

    const adain = fresh();
    const adainExpected = fresh();
    applyColorFix('adain', adain, lr);
    applyAdain(adainExpected, channelStats(lr));
    expect(firstDifference(adain.data, adainExpected.data)).toBe(-1);
    expect(firstDifference(adain.data, fresh().data)).not.toBe(-1);

    const wavelet = fresh();
    const waveletExpected = fresh();
    applyColorFix('wavelet', wavelet, lr, { bandRows: 9 });
    applyWaveletColorFix(waveletExpected, lr);
    expect(firstDifference(wavelet.data, waveletExpected.data)).toBe(-1);
    expect(firstDifference(wavelet.data, fresh().data)).not.toBe(-1);
  });
});
