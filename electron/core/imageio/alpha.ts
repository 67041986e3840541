// Alpha is not fed to the model (it is trained on RGB): the engine upscales RGB, and the alpha plane is resampled
// here with Lanczos-3 to the output size and re-attached by the encoder.
//
// May import: sharp, ../shared, ./types.

import sharp from 'sharp';
import { AppError } from '../shared/errors.js';
import type { BitDepth, PixelBuffer } from './types.js';

/**
 * Resamples an alpha plane (`width` x `height` samples; Uint16Array iff `bitDepth` is 16) by an integer `scale`.
 * Returns a plane of (width*scale) x (height*scale) samples of the same array type.
 */
export async function upscaleAlpha(alpha: PixelBuffer, width: number, height: number, scale: number, bitDepth: BitDepth): Promise<PixelBuffer> {
  const sixteen = bitDepth === 16;
  if (alpha.length !== width * height || sixteen !== alpha instanceof Uint16Array || !Number.isInteger(scale) || scale < 1) {
    throw new AppError('INVALID_ARGUMENT', `upscaleAlpha expects ${width}x${height} ${bitDepth}-bit samples and an integer scale >= 1; got ${alpha.length} samples (${alpha.constructor.name}) and scale ${scale}.`, {
      details: { argument: 'alpha', width, height, samples: alpha.length, scale, bitDepth },
    });
  }
  const { data } = await sharp(alpha, { raw: { width, height, channels: 1 }, limitInputPixels: false })
    .resize(width * scale, height * scale, { kernel: 'lanczos3', fit: 'fill' })
    .toColourspace(sixteen ? 'grey16' : 'b-w')
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
