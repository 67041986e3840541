// Wavelet colour fix: output = high frequencies of the SR image + low frequencies of the bicubic-upsampled LR image,
// with the official 5-level a-trous decomposition (3x3 [1,2,1]^2/16 kernel, dilation 1, 2, 4, 8, 16, replicate
// padding at the image border). The high part telescopes to SR - L(SR) and the blur cascade L is linear, so
//   output = SR + L(bicubic(LR) - SR),
// computed in horizontal bands: a band of rows needs 1+2+4+8+16 = 31 rows of context on each side (the halo), so each
// band recomputes its halo and the result is identical to a whole-image computation: no seams, and memory is a band.
// The output raster is rewritten in place; the original SR rows a later band still needs as halo are kept in a small
// ring before they are overwritten.
//
// May import: ./bicubic, ../raster, ../../shared (pure TS).
import { assertInteger, assertRaster, invalidArgument, quantizer, type Raster } from '../raster.js';
import { BicubicUpsampler } from './bicubic.js';

/** Dilations of the five levels of the official decomposition. */
const DILATIONS = [1, 2, 4, 8, 16] as const;
/** Rows of context a band needs on each side. */
export const WAVELET_HALO = DILATIONS.reduce((a, b) => a + b, 0);

export interface WaveletOptions {
  /** Output rows finished per band (memory ~ (bandRows + 62) x width x 24 bytes). Default 128. */
  bandRows?: number;
  /** Called after each band with the rows done so far and the total, for progress. */
  onRows?: (done: number, total: number) => void;
}

/**
 * Rewrites `output` (the stitched SR image, lr.width*s x lr.height*s for an integer s) in place with the wavelet colour
 * fix against `lr` (the LR input), clamping to [0,1] and quantising like the stitcher.
 */
export function applyWaveletColorFix(output: Raster, lr: Raster, options: WaveletOptions = {}): void {
  assertRaster(output, 'output');
  assertRaster(lr, 'lr');
  const scale = output.width / lr.width;
  if (!Number.isInteger(scale) || output.height !== lr.height * scale) {
    throw invalidArgument(
      `output: expected an integer multiple of the LR size ${lr.width} x ${lr.height}, got ${output.width} x ${output.height}.`,
      { argument: 'output', lr: [lr.width, lr.height], output: [output.width, output.height] },
    );
  }
  const bandRows = options.bandRows ?? 128;
  assertInteger(bandRows, 1, 'bandRows');

  const { data, width, height, channels, maxValue } = output;
  const store = quantizer(output);
  const inv = 1 / maxValue;
  const rowLength = width * 3;
  const capacity = Math.min(height, bandRows + 2 * WAVELET_HALO);
  const current = new Float32Array(capacity * rowLength);
  const scratch = new Float32Array(capacity * rowLength);
  const upsampler = new BicubicUpsampler(lr, scale);
  // Original SR rows (3 floats per pixel) for the halo above the band: row y lives at ring row y % WAVELET_HALO.
  const savedSr = new Float32Array(Math.min(height, WAVELET_HALO) * rowLength);

  for (let y0 = 0; y0 < height; y0 += bandRows) {
    const y1 = Math.min(height, y0 + bandRows);
    const lo = Math.max(0, y0 - WAVELET_HALO);
    const hi = Math.min(height, y1 + WAVELET_HALO);

    // current = bicubic(LR) - SR over [lo, hi)
    upsampler.rows(lo, hi, current);
    for (let y = lo; y < hi; y++) {
      const c = (y - lo) * rowLength;
      if (y < y0) {
        const s = (y % WAVELET_HALO) * rowLength;
        for (let i = 0; i < rowLength; i++) current[c + i] = (current[c + i] as number) - (savedSr[s + i] as number);
      } else {
        let o = y * width * channels;
        for (let i = 0; i < rowLength; i += 3, o += channels) {
          current[c + i] = (current[c + i] as number) - (data[o] as number) * inv;
          current[c + i + 1] = (current[c + i + 1] as number) - (data[o + 1] as number) * inv;
          current[c + i + 2] = (current[c + i + 2] as number) - (data[o + 2] as number) * inv;
        }
      }
    }

    // the blur cascade; the valid row range shrinks by each level's dilation, clamped at the image border
    let halo = WAVELET_HALO;
    let from = lo;
    let to = hi;
    for (const d of DILATIONS) {
      halo -= d;
      const outFrom = Math.max(0, y0 - halo);
      const outTo = Math.min(height, y1 + halo);
      blurRows(current, scratch, lo, from, to, outFrom, outTo, width, d);
      from = outFrom;
      to = outTo;
    }

    // keep the original SR of the rows the next band's halo reads, then write SR + L(diff)
    for (let y = Math.max(y0, y1 - WAVELET_HALO); y < y1; y++) {
      const s = (y % WAVELET_HALO) * rowLength;
      let o = y * width * channels;
      for (let i = 0; i < rowLength; i += 3, o += channels) {
        savedSr[s + i] = (data[o] as number) * inv;
        savedSr[s + i + 1] = (data[o + 1] as number) * inv;
        savedSr[s + i + 2] = (data[o + 2] as number) * inv;
      }
    }
    for (let y = y0; y < y1; y++) {
      const c = (y - lo) * rowLength;
      let o = y * width * channels;
      for (let i = 0; i < rowLength; i += 3, o += channels) {
        data[o] = store((data[o] as number) * inv + (current[c + i] as number));
        data[o + 1] = store((data[o + 1] as number) * inv + (current[c + i + 1] as number));
        data[o + 2] = store((data[o + 2] as number) * inv + (current[c + i + 2] as number));
      }
    }
    options.onRows?.(y1, height);
  }
}

/**
 * One level of the cascade, in place on `image` (row y at buffer row y - base, rows [from, to) valid): a horizontal
 * [1,2,1]/4 pass into `scratch`, then a vertical one back into rows [outFrom, outTo), taps `d` apart. Taps are clamped
 * to [from, to - 1]: where that range ends at the image border this is the official replicate padding; elsewhere the
 * caller chose [outFrom, outTo) so that no clamped tap is ever used.
 */
function blurRows(image: Float32Array, scratch: Float32Array, base: number, from: number, to: number, outFrom: number, outTo: number, width: number, d: number): void {
  const rowLength = width * 3;
  const step = d * 3;
  // Samples of columns closer than d to an edge clamp a tap (replicate); those in between are one flat loop.
  const leftEnd = Math.min(d, width) * 3;
  const rightStart = Math.max(leftEnd, (width - d) * 3);
  const clamped = (r: number, i: number): void => {
    const x = Math.floor(i / 3);
    const c = i - x * 3;
    const left = r + Math.max(0, x - d) * 3 + c;
    const right = r + Math.min(width - 1, x + d) * 3 + c;
    scratch[r + i] = 0.25 * ((image[left] as number) + 2 * (image[r + i] as number) + (image[right] as number));
  };
  for (let y = from; y < to; y++) {
    const r = (y - base) * rowLength;
    for (let i = 0; i < leftEnd; i++) clamped(r, i);
    for (let k = r + leftEnd, end = r + rightStart; k < end; k++) {
      scratch[k] = 0.25 * ((image[k - step] as number) + 2 * (image[k] as number) + (image[k + step] as number));
    }
    for (let i = rightStart; i < rowLength; i++) clamped(r, i);
  }
  for (let y = outFrom; y < outTo; y++) {
    const up = (Math.max(from, y - d) - base) * rowLength;
    const centre = (y - base) * rowLength;
    const down = (Math.min(to - 1, y + d) - base) * rowLength;
    for (let i = 0; i < rowLength; i++) {
      image[centre + i] = 0.25 * ((scratch[up + i] as number) + 2 * (scratch[centre + i] as number) + (scratch[down + i] as number));
    }
  }
}
