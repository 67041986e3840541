// Lanczos-3 resampling of raw pixel planes. Alpha is not fed to the model (it is trained on RGB): the engine upscales
// RGB and resamples the alpha plane here to the output size (the encoder re-attaches it); the model's whole output is
// resized here too when the user asked for another size than the model's (x2, x3 or a long edge; see OutputSizeSchema
// in core/shared/engine-protocol.ts).
//
// May import: sharp, ../shared, ./types.
import sharp from 'sharp';
import { AppError } from '../shared/errors.js';
import type { BitDepth, PixelBuffer } from './types.js';

/**
 * Resamples `width` x `height` pixels of `channels` samples (Uint16Array iff `bitDepth` is 16) to `target`; returns
 * the same array type.
 */
export async function resizePixels(
  data: PixelBuffer,
  size: { width: number; height: number },
  channels: 1 | 3,
  target: { width: number; height: number },
  bitDepth: BitDepth,
): Promise<PixelBuffer> {
  const sixteen = bitDepth === 16;
  const { width, height } = size;
  if (data.length !== width * height * channels || sixteen !== data instanceof Uint16Array) {
    throw new AppError('INVALID_ARGUMENT', `resizePixels expects ${width}x${height}x${channels} ${bitDepth}-bit samples; got ${data.length} samples (${data.constructor.name}).`, {
      details: { argument: 'data', width, height, channels, samples: data.length, bitDepth },
    });
  }
  const colourspace = channels === 1 ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb';
  const { data: out } = await sharp(data, { raw: { width, height, channels }, limitInputPixels: false })
    .resize(target.width, target.height, { kernel: 'lanczos3', fit: 'fill' })
    .toColourspace(colourspace)
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return sixteen ? new Uint16Array(out.buffer, out.byteOffset, out.byteLength / 2) : new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
