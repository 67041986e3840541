// "Where did the model invent detail": a heatmap of |result - bicubic(original)|. Bicubic is what plain resizing
// would give, so bright areas are what the model added or changed (texture, edges), dark areas are where it only
// enlarged. Pure pixel math on RGBA buffers (as canvas ImageData holds them); the view draws the buffers.
//
// May import: ./viewport (types).
import type { Size } from './viewport.js';

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major. */
  data: Uint8ClampedArray;
}

/** Above this many pixels the heatmap is computed at a reduced size (it is a guide, and the page must stay responsive). */
export const DIFFERENCE_MAX_PIXELS = 8_000_000;

/** Keys' cubic convolution kernel with a = -0.5 (the "bicubic" of Pillow, OpenCV and browsers' high-quality resize). */
function cubic(t: number): number {
  const x = Math.abs(t);
  if (x <= 1) return 1.5 * x * x * x - 2.5 * x * x + 1;
  if (x < 2) return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
  return 0;
}

interface Taps {
  index: Int32Array;
  weight: Float32Array;
}

/** For each output position along one axis: the 4 source indices (clamped at the edges) and their weights. */
function axisTaps(source: number, target: number): Taps {
  const index = new Int32Array(target * 4);
  const weight = new Float32Array(target * 4);
  const ratio = source / target;
  for (let i = 0; i < target; i++) {
    const centre = (i + 0.5) * ratio - 0.5;
    const first = Math.floor(centre) - 1;
    for (let k = 0; k < 4; k++) {
      const s = first + k;
      index[i * 4 + k] = Math.min(source - 1, Math.max(0, s));
      weight[i * 4 + k] = cubic(centre - s);
    }
  }
  return { index, weight };
}

/** Bicubic resize of the RGB channels (alpha set opaque): separable, rows first, then columns. */
export function resizeBicubic(image: RgbaImage, size: Size): RgbaImage {
  const { width: sw, height: sh, data } = image;
  const { width: dw, height: dh } = size;
  const horizontal = axisTaps(sw, dw);
  const vertical = axisTaps(sh, dh);
  const rows = new Float32Array(sh * dw * 3);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < dw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < 4; k++) {
        const w = horizontal.weight[x * 4 + k] ?? 0;
        const p = (y * sw + (horizontal.index[x * 4 + k] ?? 0)) * 4;
        r += w * (data[p] ?? 0);
        g += w * (data[p + 1] ?? 0);
        b += w * (data[p + 2] ?? 0);
      }
      const o = (y * dw + x) * 3;
      rows[o] = r;
      rows[o + 1] = g;
      rows[o + 2] = b;
    }
  }
  const out = new Uint8ClampedArray(dw * dh * 4);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < 4; k++) {
        const w = vertical.weight[y * 4 + k] ?? 0;
        const p = ((vertical.index[y * 4 + k] ?? 0) * dw + x) * 3;
        r += w * (rows[p] ?? 0);
        g += w * (rows[p + 1] ?? 0);
        b += w * (rows[p + 2] ?? 0);
      }
      const o = (y * dw + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = 255;
    }
  }
  return { width: dw, height: dh, data: out };
}

/** The size to compute the heatmap at: the result's, scaled down to at most `maxPixels`. */
export function differenceSize(result: Size, maxPixels = DIFFERENCE_MAX_PIXELS): Size {
  const pixels = result.width * result.height;
  if (pixels <= maxPixels) return { width: result.width, height: result.height };
  const factor = Math.sqrt(maxPixels / pixels);
  return { width: Math.max(1, Math.floor(result.width * factor)), height: Math.max(1, Math.floor(result.height * factor)) };
}

const RAMP: ReadonlyArray<[stop: number, rgb: [number, number, number]]> = [
  [0, [0, 0, 0]],
  [0.25, [48, 18, 120]],
  [0.5, [190, 40, 100]],
  [0.75, [250, 140, 30]],
  [1, [255, 250, 200]],
];

/** 256 colours from black through violet, red and orange to pale yellow: dark = unchanged, bright = invented. */
export const HEAT_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const upper = RAMP.findIndex(([stop]) => stop >= t);
    const [s1, c1] = RAMP[Math.max(1, upper)] ?? RAMP[RAMP.length - 1]!;
    const [s0, c0] = RAMP[Math.max(0, upper - 1)] ?? RAMP[0]!;
    const f = s1 === s0 ? 0 : (t - s0) / (s1 - s0);
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(c0[c]! + f * (c1[c]! - c0[c]!));
  }
  return lut;
})();

export interface DifferenceMap {
  heatmap: RgbaImage;
  /** Mean |result - reference| over all pixels and channels, 0..255. */
  meanAbsolute: number;
  /** Fraction of pixels whose mean channel difference exceeds 8/255 (visible change). */
  changedFraction: number;
}

/** Heatmap of the mean absolute RGB difference, amplified by `gain` (1: a full-scale difference is white). */
export function differenceHeatmap(result: RgbaImage, reference: RgbaImage, gain: number): DifferenceMap {
  if (result.width !== reference.width || result.height !== reference.height) {
    throw new RangeError(`difference needs images of one size, got ${result.width}x${result.height} and ${reference.width}x${reference.height}`);
  }
  const pixels = result.width * result.height;
  const out = new Uint8ClampedArray(pixels * 4);
  let total = 0;
  let changed = 0;
  for (let i = 0; i < pixels; i++) {
    const p = i * 4;
    const diff =
      (Math.abs((result.data[p] ?? 0) - (reference.data[p] ?? 0)) +
        Math.abs((result.data[p + 1] ?? 0) - (reference.data[p + 1] ?? 0)) +
        Math.abs((result.data[p + 2] ?? 0) - (reference.data[p + 2] ?? 0))) /
      3;
    total += diff;
    if (diff > 8) changed++;
    const level = Math.min(255, Math.round(diff * gain));
    out[p] = HEAT_LUT[level * 3] ?? 0;
    out[p + 1] = HEAT_LUT[level * 3 + 1] ?? 0;
    out[p + 2] = HEAT_LUT[level * 3 + 2] ?? 0;
    out[p + 3] = 255;
  }
  return {
    heatmap: { width: result.width, height: result.height, data: out },
    meanAbsolute: pixels === 0 ? 0 : total / pixels,
    changedFraction: pixels === 0 ? 0 : changed / pixels,
  };
}
