// The pixel-buffer shape every tiling function reads or writes, and the checks and sample conversions they share.
// A raster is interleaved row-major (RGBRGB... or RGBARGBA..., rows top to bottom); the tiling module only ever reads
// or writes its first three channels (alpha is upscaled and re-attached elsewhere).
//
// May import: ../shared only (pure TS).
import { AppError } from '../shared/errors.js';

/** Sample storage: 8-bit, 16-bit, or float (floats are used by tests and float pipelines; maxValue is then usually 1). */
export type PixelArray = Uint8Array | Uint16Array | Float32Array;

/** An interleaved image buffer. Values run from 0 to `maxValue` (255 for 8-bit, 65535 for 16-bit, 1 for float). */
export interface Raster<T extends PixelArray = PixelArray> {
  data: T;
  width: number;
  height: number;
  /** Samples per pixel, at least 3; channels beyond the first three are neither read nor written here. */
  channels: number;
  maxValue: number;
}

/** A rectangle in pixels; which pixels (LR or HR, image or tile coordinates) is said where it is used. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Half-open range of rows `[from, to)`; empty when `from === to`. */
export interface RowRange {
  from: number;
  to: number;
}

/** Throws INVALID_ARGUMENT unless `raster` is a consistent RGB(A) buffer; `name` says which argument it was. */
export function assertRaster(raster: Raster, name: string): void {
  const { data, width, height, channels, maxValue } = raster;
  const problem =
    !Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1
      ? `a size of at least 1 x 1 integer pixels, got ${width} x ${height}`
      : !Number.isInteger(channels) || channels < 3
        ? `at least 3 channels (RGB), got ${channels}`
        : !(maxValue > 0) || !Number.isFinite(maxValue)
          ? `a positive finite maxValue, got ${maxValue}`
          : data.length !== width * height * channels
            ? `${width} x ${height} x ${channels} = ${width * height * channels} samples, got ${data.length}`
            : undefined;
  if (problem !== undefined) {
    throw new AppError('INVALID_ARGUMENT', `${name}: expected ${problem}.`, {
      details: { argument: name, width, height, channels, maxValue, samples: data.length },
    });
  }
}

/** Whether stores into this raster are rounded to integers (8/16-bit) rather than kept as floats. */
export function isIntegerRaster(raster: Raster): boolean {
  return !(raster.data instanceof Float32Array);
}

/**
 * Clamps a [0,1] value and converts it to a stored sample: `round(clamp(v, 0, 1) * maxValue)` for integer rasters,
 * `clamp(v, 0, 1) * maxValue` for float ones. NaN stores as 0. The stitcher inlines the same formula in its hot loop.
 */
export function quantizer(raster: Raster): (value: number) => number {
  const max = raster.maxValue;
  if (isIntegerRaster(raster)) {
    return (v) => (v > 0 ? (v < 1 ? Math.floor(v * max + 0.5) : max) : 0);
  }
  return (v) => (v > 0 ? (v < 1 ? v * max : max) : 0);
}

export function invalidArgument(message: string, details: Record<string, unknown>): AppError {
  return new AppError('INVALID_ARGUMENT', message, { details });
}

/** Throws INVALID_ARGUMENT unless `value` is an integer >= `min`. */
export function assertInteger(value: number, min: number, name: string): void {
  if (!Number.isInteger(value) || value < min) {
    throw invalidArgument(`${name}: expected an integer >= ${min}, got ${String(value)}.`, { argument: name, value });
  }
}
