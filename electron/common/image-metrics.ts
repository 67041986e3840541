// Image statistics, the one definition that tests, benchmarks and app code share: 8-bit rasters of an upsampler,
// BT.601 studio-swing luma and PSNR-Y (pyiqa's definitions), gradient energy, crops, box downscaling, PSNR, sample
// differences, and the seam ratio (gradient energy on the lines where tiles meet against the other lines). Pure
// functions on plain arrays: no I/O, no native modules. Tests import this source; the benchmarks (bench/*.mjs) and
// scripts import the compiled dist/common/image-metrics.js (`tsc -p tsconfig.node.json`).
//
// Units: a "plane" is one channel, row-major, values in [0, 1]; positions along an axis are HR px.
//
// Common layer: pure TypeScript that every environment (core, CLI, Electron main and preload, renderer) may import.
// May import: nothing (no Node, no DOM, no other layer).

/** An interleaved RGB(A) buffer (core/tiling's Raster shape); values run from 0 to `maxValue`. */
export interface MetricsRaster {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels: number;
  maxValue: number;
}

/** One channel, row-major, values in [0, 1]. */
export type Plane = ArrayLike<number>;

export type Axis = 'x' | 'y';

/** The part of core/tiling's TilePlan that seamCentres reads. */
export interface SeamPlan {
  scale: number;
  cols: number;
  tileWidth: number;
  tileHeight: number;
  tiles: readonly { col: number; source: { x: number; y: number } }[];
}

/** Seam centres per axis, HR px. */
export interface SeamCentres {
  x: number[];
  y: number[];
}

/** What upsampledRaster reads (core/tiling's BicubicUpsampler fits). */
export interface Upsampler {
  outWidth: number;
  outHeight: number;
  rows(from: number, to: number): Float32Array;
}

/** Sample `i` of an array whose length the caller has checked (noUncheckedIndexedAccess has no way to know). */
const at = (a: ArrayLike<number>, i: number): number => a[i] as number;

/**
 * BT.601 studio-swing luma, the Y of PSNR-Y and SSIM-Y as pyiqa, MATLAB's rgb2ycbcr and the training side
 * (training/tinysr_train/eval/metrics.py) define it: Y = (65.481 R + 128.553 G + 24.966 B + 16) / 255 on RGB in
 * [0, 1], so Y lies in [16/255, 235/255] (black is 16/255, not 0). One definition across both languages, held to
 * test/fixtures/golden/psnr-y.json by test/unit/golden-fixtures.test.ts and training/tests/test_golden_fixtures.py.
 */
export function luma({ data, width, height, channels, maxValue }: MetricsRaster): Float64Array {
  const plane = new Float64Array(width * height);
  for (let p = 0, i = 0; p < plane.length; p++, i += channels) {
    plane[p] = ((65.481 * at(data, i) + 128.553 * at(data, i + 1) + 24.966 * at(data, i + 2)) / maxValue + 16) / 255;
  }
  return plane;
}

/** pyiqa's PSNR eps: identical images score 10 log10(1 / 1e-8) = 80 dB instead of Infinity. */
export const PSNR_EPS = 1e-8;

/** PSNR-Y in dB of two RGB(A) rasters of equal size, as pyiqa (and training's eval) computes it: luma above, peak 1. */
export function psnrY(a: MetricsRaster, b: MetricsRaster): number {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`psnrY: size mismatch ${a.width} x ${a.height} vs ${b.width} x ${b.height}.`);
  const ya = luma(a);
  const yb = luma(b);
  let sum = 0;
  for (let i = 0; i < ya.length; i++) sum += (at(ya, i) - at(yb, i)) ** 2;
  return 10 * Math.log10(1 / (sum / ya.length + PSNR_EPS));
}

/**
 * The whole output of an upsampler (core/tiling's BicubicUpsampler: rows of RGB floats in [0, 1]) as an 8-bit RGB
 * raster, clamped and rounded like a model's saved output, so both are compared on the same footing.
 */
export function upsampledRaster(upsampler: Upsampler): MetricsRaster & { data: Uint8Array } {
  const floats = upsampler.rows(0, upsampler.outHeight);
  const data = Uint8Array.from(floats, (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
  return { data, width: upsampler.outWidth, height: upsampler.outHeight, channels: 3, maxValue: 255 };
}

/** Squared finite differences of neighbouring samples along `axis`: x = between columns, y = between rows. */
function forEachStep(plane: Plane, width: number, height: number, axis: Axis, visit: (s: number, energy: number) => void): void {
  const [dx, dy] = axis === 'x' ? [1, 0] : [0, 1];
  for (let y = dy; y < height; y++) {
    for (let x = dx; x < width; x++) {
      const i = y * width + x;
      const d = at(plane, i) - at(plane, i - dx - dy * width);
      visit(axis === 'x' ? x : y, d * d);
    }
  }
}

/**
 * Per-line gradient energy along `axis`: entry s (1 <= s < length) is the mean over the other axis of the squared
 * difference between line s - 1 and line s, i.e. the energy of the edge at position s. Entry 0 is unused (0).
 */
export function lineEnergies(plane: Plane, width: number, height: number, axis: Axis): Float64Array {
  const length = axis === 'x' ? width : height;
  const across = axis === 'x' ? height : width;
  const energy = new Float64Array(length);
  forEachStep(plane, width, height, axis, (s, e) => (energy[s] = at(energy, s) + e));
  for (let s = 1; s < length; s++) energy[s] = at(energy, s) / across;
  return energy;
}

/** Mean squared finite-difference gradient (mean dx^2 + mean dy^2) of a plane: how much fine detail it holds. */
export function gradientEnergy(plane: Plane, width: number, height: number): number {
  const mean = (energies: Float64Array): number => energies.slice(1).reduce((sum, e) => sum + e, 0) / Math.max(1, energies.length - 1);
  return mean(lineEnergies(plane, width, height, 'x')) + mean(lineEnergies(plane, width, height, 'y'));
}

/** The region [x, x + w) x [y, y + h) of a plane `width` samples wide, as a new plane. */
export function cropPlane(plane: Float64Array, width: number, x: number, y: number, w: number, h: number): Float64Array {
  const out = new Float64Array(w * h);
  for (let row = 0; row < h; row++) out.set(plane.subarray((y + row) * width + x, (y + row) * width + x + w), row * w);
  return out;
}

/** Mean of each `factor` x `factor` block (area downscaling); the plane's size must be a multiple of `factor`. */
export function boxDownscale(plane: Plane, width: number, height: number, factor: number): { plane: Float64Array; width: number; height: number } {
  if (width % factor !== 0 || height % factor !== 0) throw new RangeError(`boxDownscale: ${width} x ${height} is not a multiple of ${factor}.`);
  const w = width / factor;
  const h = height / factor;
  const out = new Float64Array(w * h);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = Math.floor(y / factor) * w + Math.floor(x / factor);
      out[o] = at(out, o) + at(plane, y * width + x);
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = at(out, i) / (factor * factor);
  return { plane: out, width: w, height: h };
}

/** PSNR in dB of two planes in [0, 1] (Infinity when equal). */
export function psnr(a: Plane, b: Plane): number {
  if (a.length !== b.length) throw new RangeError(`psnr: length mismatch ${a.length} vs ${b.length}.`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (at(a, i) - at(b, i)) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10(a.length / sum);
}

/** Largest and mean absolute difference of two sample arrays of equal length. */
export function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number } {
  if (a.length !== b.length) throw new RangeError(`diffStats: length mismatch ${a.length} vs ${b.length}.`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(at(a, i) - at(b, i));
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / Math.max(1, a.length) };
}

/**
 * Where tiles meet in the output of a tile plan (core/tiling's TilePlan: the seam centres, HR px, per axis). The
 * engine blends each seam over a window around this centre, so a seam the blend cannot hide shows up there.
 */
export function seamCentres(plan: SeamPlan): SeamCentres {
  const centres = (starts: number[], tileLength: number): number[] =>
    starts.slice(1).map((next, i) => ((next + at(starts, i) + tileLength) / 2) * plan.scale);
  const columns = plan.tiles.slice(0, plan.cols).map((t) => t.source.x);
  const rows = plan.tiles.filter((t) => t.col === 0).map((t) => t.source.y);
  return { x: centres(columns, plan.tileWidth), y: centres(rows, plan.tileHeight) };
}

/**
 * Seam visibility: the mean line energy (see lineEnergies) of the edges s with c - halfWidth <= s < c + halfWidth for
 * a seam centre c, over the mean of all other edges, per axis and over both axes together. Keep 2 x halfWidth a
 * multiple of the scale: an x4 output's line energy repeats with the 4 sub-pixel phases (bicubic's strongly), and seam
 * centres all sit on one phase, so the window must hold every phase equally. 1 means the seam lines are as busy as
 * the rest of the image; a visible seam (a step or a texture break) raises it. Content alone moves it too, so compare
 * with the same lines of a seamless image of the same content. An axis without seams gives NaN.
 */
export function seamRatio(plane: Plane, width: number, height: number, centres: SeamCentres, halfWidth = 2): { x: number; y: number; all: number } {
  const seam: Record<Axis, number[]> = { x: [], y: [] };
  const other: Record<Axis, number[]> = { x: [], y: [] };
  for (const axis of ['x', 'y'] as const) {
    const energy = lineEnergies(plane, width, height, axis);
    for (let s = 1; s < energy.length; s++) {
      const nearSeam = centres[axis].some((c) => s >= c - halfWidth && s < c + halfWidth);
      (nearSeam ? seam : other)[axis].push(at(energy, s));
    }
  }
  const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
  const ratio = (on: number[], off: number[]): number => (on.length === 0 ? NaN : mean(on) / mean(off));
  return { x: ratio(seam.x, other.x), y: ratio(seam.y, other.y), all: ratio([...seam.x, ...seam.y], [...other.x, ...other.y]) };
}
