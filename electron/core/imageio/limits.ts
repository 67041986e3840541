// Pixel limits: the decompression-bomb guard, decided from header dimensions alone, before any pixel is decoded.
// Pure.
//
// May import: ../shared, ./types.

import { AppError } from '../shared/errors.js';
import type { PixelLimits } from './types.js';

const megapixels = (pixels: number): string => `${(pixels / 1e6).toFixed(1)} MP`;

/** Where a person raises the limit (the input limit; the output limit follows it by the scale squared). */
const RAISE_LIMIT = 'raise the limit: `tinysr upscale --max-megapixels <n>` on the command line, the `maxMegapixels` setting in the app';

function validLimit(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new AppError('INVALID_ARGUMENT', `Pixel limit ${name} must be a positive whole number of pixels, got ${String(value)}.`, { details: { argument: name, value } });
  }
  return value;
}

/** Throws INPUT_TOO_LARGE naming the file, its size and the limit when the input or its upscaled output is too big. */
export function checkPixelLimits(file: string, width: number, height: number, limits: PixelLimits): void {
  const maxInput = validLimit(limits.maxInputPixels, 'maxInputPixels');
  const pixels = width * height;
  if (pixels > maxInput) {
    throw new AppError(
      'INPUT_TOO_LARGE',
      `Input "${file}" is ${width}x${height} (${megapixels(pixels)}), over the input limit of ${megapixels(maxInput)} (${maxInput} pixels). If you trust this file, ${RAISE_LIMIT}; or downscale it first.`,
      { path: file, details: { width, height, pixels, maxInputPixels: maxInput } },
    );
  }
  if (limits.maxOutputPixels === undefined || limits.scale === undefined) return;
  const maxOutput = validLimit(limits.maxOutputPixels, 'maxOutputPixels');
  const outWidth = width * limits.scale;
  const outHeight = height * limits.scale;
  const outPixels = outWidth * outHeight;
  if (outPixels > maxOutput) {
    throw new AppError(
      'INPUT_TOO_LARGE',
      `Input "${file}" is ${width}x${height}; upscaled x${limits.scale} it would be ${outWidth}x${outHeight} (${megapixels(outPixels)}), over the output limit of ${megapixels(maxOutput)} (${maxOutput} pixels). If you trust this file, ${RAISE_LIMIT}; or downscale or crop the input first.`,
      { path: file, details: { width, height, scale: limits.scale, outputWidth: outWidth, outputHeight: outHeight, outputPixels: outPixels, maxOutputPixels: maxOutput } },
    );
  }
}
