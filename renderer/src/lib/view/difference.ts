// "Where did the model invent detail": a heatmap of |result - bicubic(original)|. Bicubic is what plain resizing
// would give, so bright areas are what the model added or changed (texture, edges), dark areas are where it only
// enlarged. Pure pixel math on RGBA buffers (as canvas ImageData holds them); the view draws the buffers.
//
// The bicubic itself is the common layer's (Pillow's kernel, a = -0.5, as sharp renders the engine's reference).
//
// May import: ./viewport (types), electron/common (pure TS).
import type { RgbaImage } from '../../../../electron/common/bicubic.js';
import type { Size } from './viewport.js';

export { resizeBicubic, type RgbaImage } from '../../../../electron/common/bicubic.js';

/** Above this many pixels the heatmap is computed at a reduced size (it is a guide, and the page must stay responsive). */
export const DIFFERENCE_MAX_PIXELS = 8_000_000;

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
