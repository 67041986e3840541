// Cubic convolution (Keys), the one bicubic of the code base: the tap table every resampler builds on, and an RGBA
// resize. Two kernels are in use, both through this file:
//   a = -0.75  PyTorch's `interpolate(mode='bicubic', align_corners=False)`: the colour fix's low frequencies
//              (core/tiling/colorfix/bicubic.ts) and the training side's bicubic, so both agree to float precision;
//   a = -0.5   Pillow, OpenCV, sharp's `cubic` and browsers' high-quality resize: the renderer's difference view,
//              which must match the bicubic reference the engine renders with sharp.
// Source coordinate of output i along an axis: (i + 0.5) * source / target - 0.5 (half-pixel centres, not clamped);
// the four taps are clamped to the image (edge replicate).
//
// Common layer: pure TypeScript that every environment (core, CLI, Electron main and preload, renderer) may import.
// May import: nothing (no Node, no DOM, no other layer).

/** The kernel of PyTorch's bicubic. */
export const CUBIC_A_TORCH = -0.75;
/** The kernel of Pillow, OpenCV, sharp (`cubic`) and browsers. */
export const CUBIC_A_CATMULL = -0.5;

export interface Size {
  width: number;
  height: number;
}

/** For each output position along one axis: the 4 source indices (clamped to the image) and their weights. */
export interface CubicTaps {
  index: Int32Array;
  weight: Float64Array;
}

/** Weights of the taps at distances 1 + t, t, 1 - t, 2 - t from the source coordinate (0 <= t < 1). */
export function cubicWeights(t: number, a: number): [number, number, number, number] {
  const near = (x: number): number => ((a + 2) * x - (a + 3)) * x * x + 1;
  const far = (x: number): number => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** The tap table of a resize from `source` to `target` samples along one axis: 4 taps per output sample. */
export function cubicAxisTaps(source: number, target: number, a: number): CubicTaps {
  const index = new Int32Array(target * 4);
  const weight = new Float64Array(target * 4);
  for (let o = 0; o < target; o++) {
    // An integer ratio is written as a division so the coordinates are bit-identical to (o + 0.5) / scale - 0.5.
    const src = target % source === 0 ? (o + 0.5) / (target / source) - 0.5 : ((o + 0.5) * source) / target - 0.5;
    const base = Math.floor(src);
    const w = cubicWeights(src - base, a);
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(source - 1, Math.max(0, base - 1 + k));
      weight[o * 4 + k] = w[k] as number;
    }
  }
  return { index, weight };
}

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major. */
  data: Uint8ClampedArray;
}

/** Bicubic resize of the RGB channels (alpha set opaque): separable, rows first, then columns; kernel `a` (default Pillow's). */
export function resizeBicubic(image: RgbaImage, size: Size, a: number = CUBIC_A_CATMULL): RgbaImage {
  const { width: sw, height: sh, data } = image;
  const { width: dw, height: dh } = size;
  const horizontal = cubicAxisTaps(sw, dw, a);
  const vertical = cubicAxisTaps(sh, dh, a);
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
