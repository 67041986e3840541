// Whole-image per-channel statistics (mean, standard deviation) of a raster, accumulated row range by row range so
// the engine can gather the SR output's statistics as the stitcher finishes bands, without another pass.
//
// May import: ../raster, ../../shared (pure TS).
import { assertRaster, invalidArgument, type Raster } from '../raster.js';

/** Per-channel statistics of R, G, B in [0,1] units (samples / maxValue). */
export interface ChannelStats {
  mean: [number, number, number];
  /** sqrt(unbiased variance + 1e-5): the official AdaIN colour fix's definition (0-variance safe). */
  std: [number, number, number];
  /** Pixels counted. */
  count: number;
}

/** The variance floor of the official AdaIN (calc_mean_std's eps). */
export const ADAIN_EPSILON = 1e-5;

/**
 * Accumulates sums per channel. Sums are taken relative to the first sample seen (a shift that keeps
 * sum-of-squares cancellation harmless for float rasters) in float64.
 */
export class ChannelStatsAccumulator {
  readonly #sum = new Float64Array(3);
  readonly #sumSq = new Float64Array(3);
  readonly #shift = new Float64Array(3);
  #count = 0;
  #maxValue: number | undefined;

  /** Adds output rows [from, to) of `image` (default: all rows). All rasters added must share one maxValue. */
  addRows(image: Raster, from = 0, to = image.height): this {
    assertRaster(image, 'image');
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= image.height)) {
      throw invalidArgument(`rows: expected 0 <= from <= to <= ${image.height}, got [${from}, ${to}).`, { argument: 'rows', from, to });
    }
    if (this.#maxValue !== undefined && this.#maxValue !== image.maxValue) {
      throw invalidArgument(`image: expected maxValue ${this.#maxValue} like the rows added before, got ${image.maxValue}.`, {
        argument: 'image',
      });
    }
    if (from === to) return this;
    this.#maxValue = image.maxValue;
    const { data, width, channels } = image;
    if (this.#count === 0) for (let c = 0; c < 3; c++) this.#shift[c] = data[from * width * channels + c] as number;
    const k0 = this.#shift[0] as number;
    const k1 = this.#shift[1] as number;
    const k2 = this.#shift[2] as number;
    for (let y = from; y < to; y++) {
      // per-row partial sums keep the float64 running totals short
      let s0 = 0, s1 = 0, s2 = 0, q0 = 0, q1 = 0, q2 = 0;
      const end = (y + 1) * width * channels;
      for (let i = y * width * channels; i < end; i += channels) {
        const d0 = (data[i] as number) - k0;
        const d1 = (data[i + 1] as number) - k1;
        const d2 = (data[i + 2] as number) - k2;
        s0 += d0; s1 += d1; s2 += d2;
        q0 += d0 * d0; q1 += d1 * d1; q2 += d2 * d2;
      }
      this.#sum[0] = (this.#sum[0] as number) + s0;
      this.#sum[1] = (this.#sum[1] as number) + s1;
      this.#sum[2] = (this.#sum[2] as number) + s2;
      this.#sumSq[0] = (this.#sumSq[0] as number) + q0;
      this.#sumSq[1] = (this.#sumSq[1] as number) + q1;
      this.#sumSq[2] = (this.#sumSq[2] as number) + q2;
    }
    this.#count += (to - from) * width;
    return this;
  }

  /** The statistics so far; throws INVALID_ARGUMENT when no pixel was added. */
  result(): ChannelStats {
    const n = this.#count;
    const max = this.#maxValue;
    if (n === 0 || max === undefined) throw invalidArgument('stats: no pixels were added.', { argument: 'stats' });
    const mean: [number, number, number] = [0, 0, 0];
    const std: [number, number, number] = [0, 0, 0];
    for (let c = 0; c < 3; c++) {
      const sum = this.#sum[c] as number;
      const centred = Math.max(0, (this.#sumSq[c] as number) - (sum * sum) / n);
      const variance = n > 1 ? centred / (n - 1) / (max * max) : 0;
      mean[c] = ((this.#shift[c] as number) + sum / n) / max;
      std[c] = Math.sqrt(variance + ADAIN_EPSILON);
    }
    return { mean, std, count: n };
  }
}

/** Statistics of a whole raster (one streaming pass). */
export function channelStats(image: Raster): ChannelStats {
  return new ChannelStatsAccumulator().addRows(image).result();
}
