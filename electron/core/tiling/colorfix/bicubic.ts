// Bicubic upsampling of an LR raster by an integer factor, row range by row range, matching PyTorch's
// `interpolate(mode='bicubic', align_corners=False)`: cubic convolution with A = -0.75, source coordinate
// (dst + 0.5) / scale - 0.5 (not clamped), the four taps clamped to the image (edge replicate). The wavelet colour fix
// takes its low frequencies from this image, one band at a time, so it never exists at full size.
//
// The tap tables come from the one cubic convolution of the code base (common/bicubic), with PyTorch's kernel.
//
// May import: ../raster, ../../shared, ../../../common (pure TS).
import { CUBIC_A_TORCH, cubicAxisTaps, type CubicTaps } from '../../../common/bicubic.js';
import { assertInteger, assertRaster, invalidArgument, type Raster } from '../raster.js';

export class BicubicUpsampler {
  readonly #lr: Raster;
  readonly #columns: CubicTaps;
  readonly #rows: CubicTaps;
  /** Scratch for the horizontal pass, grown to the largest band asked for and reused. */
  #horizontalRows = new Float64Array(0);
  readonly outWidth: number;
  readonly outHeight: number;

  /** Upsamples `lr` (first 3 channels, sample / maxValue) by the integer `scale`. */
  constructor(lr: Raster, scale: number) {
    assertRaster(lr, 'lr');
    assertInteger(scale, 1, 'scale');
    this.#lr = lr;
    this.#columns = cubicAxisTaps(lr.width, lr.width * scale, CUBIC_A_TORCH);
    this.#rows = cubicAxisTaps(lr.height, lr.height * scale, CUBIC_A_TORCH);
    this.outWidth = lr.width * scale;
    this.outHeight = lr.height * scale;
  }

  /**
   * HR rows [from, to) of the upsampled image, interleaved RGB floats in [0,1] units (not clamped: bicubic overshoots),
   * written into `into` (at least (to - from) x outWidth x 3 floats) or a new array.
   */
  rows(from: number, to: number, into?: Float32Array): Float32Array {
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= this.outHeight)) {
      throw invalidArgument(`rows: expected 0 <= from <= to <= ${this.outHeight}, got [${from}, ${to}).`, { argument: 'rows', from, to });
    }
    const rowLength = this.outWidth * 3;
    const out = into ?? new Float32Array((to - from) * rowLength);
    if (out.length < (to - from) * rowLength) {
      throw invalidArgument(`into: expected room for ${(to - from) * rowLength} floats, got ${out.length}.`, { argument: 'into' });
    }
    if (from === to) return out;
    const rowTaps = this.#rows;
    const firstLr = rowTaps.index[from * 4] as number;
    const lastLr = rowTaps.index[(to - 1) * 4 + 3] as number;
    const horizontal = this.#horizontal(firstLr, lastLr + 1);
    for (let y = from; y < to; y++) {
      const r0 = ((rowTaps.index[y * 4] as number) - firstLr) * rowLength;
      const r1 = ((rowTaps.index[y * 4 + 1] as number) - firstLr) * rowLength;
      const r2 = ((rowTaps.index[y * 4 + 2] as number) - firstLr) * rowLength;
      const r3 = ((rowTaps.index[y * 4 + 3] as number) - firstLr) * rowLength;
      const w0 = rowTaps.weight[y * 4] as number;
      const w1 = rowTaps.weight[y * 4 + 1] as number;
      const w2 = rowTaps.weight[y * 4 + 2] as number;
      const w3 = rowTaps.weight[y * 4 + 3] as number;
      const o = (y - from) * rowLength;
      for (let i = 0; i < rowLength; i++) {
        out[o + i] =
          w0 * (horizontal[r0 + i] as number) +
          w1 * (horizontal[r1 + i] as number) +
          w2 * (horizontal[r2 + i] as number) +
          w3 * (horizontal[r3 + i] as number);
      }
    }
    return out;
  }

  /** LR rows [first, end) upsampled along x only: (end - first) rows of outWidth x 3 floats. */
  #horizontal(first: number, end: number): Float64Array {
    const { data, width, channels, maxValue } = this.#lr;
    const inv = 1 / maxValue;
    const { index, weight } = this.#columns;
    const rowLength = this.outWidth * 3;
    const needed = (end - first) * rowLength;
    if (this.#horizontalRows.length < needed) this.#horizontalRows = new Float64Array(needed);
    const out = this.#horizontalRows;
    for (let r = first; r < end; r++) {
      const rowBase = r * width * channels;
      let o = (r - first) * rowLength;
      for (let x = 0; x < this.outWidth; x++, o += 3) {
        const t = x * 4;
        const i0 = rowBase + (index[t] as number) * channels;
        const i1 = rowBase + (index[t + 1] as number) * channels;
        const i2 = rowBase + (index[t + 2] as number) * channels;
        const i3 = rowBase + (index[t + 3] as number) * channels;
        const w0 = (weight[t] as number) * inv;
        const w1 = (weight[t + 1] as number) * inv;
        const w2 = (weight[t + 2] as number) * inv;
        const w3 = (weight[t + 3] as number) * inv;
        for (let c = 0; c < 3; c++) {
          out[o + c] =
            w0 * (data[i0 + c] as number) + w1 * (data[i1 + c] as number) + w2 * (data[i2 + c] as number) + w3 * (data[i3 + c] as number);
        }
      }
    }
    return out;
  }
}
