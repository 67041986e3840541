// Decoding a whole image into what the model consumes: interleaved RGB in sRGB (ICC-profiled input converted, EXIF
// orientation applied), 8 or 16 bits as the source has, with alpha split into its own plane; plus the source facts
// the encoder carries over. The LR input is 1/16 of the output, so holding it whole is cheap.
// Wide-gamut sources (Display P3, Adobe RGB) are converted to sRGB because that is what the models are trained on:
// colours outside sRGB are clipped for the model; the encoder converts the result back into the source profile.
//
// May import: sharp, ../shared, ./errors, ./icc, ./probe, ./types.

import sharp from 'sharp';
import type { OutputInfo } from 'sharp';
import { AppError } from '../shared/errors.js';
import { decodeError } from './errors.js';
import { readIccSummary } from './icc.js';
import { probe } from './probe.js';
import type { DecodedImage, DecodeOptions, PixelBuffer, SourceInfo } from './types.js';

/**
 * Decodes `file` (first frame/page of multi-frame files). Limits are checked on the header first (INPUT_TOO_LARGE
 * names the size and the limit), then enforced again by sharp's limitInputPixels. Errors: see readImageInfo, plus
 * INPUT_CORRUPT for pixel data that fails to decode (truncated files) and CANCELLED when `signal` is aborted.
 */
export async function decodeImage(file: string, options: DecodeOptions): Promise<DecodedImage> {
  throwIfAborted(options.signal, file);
  const { info, metadata, sniffed } = await probe(file, options);
  throwIfAborted(options.signal, file);
  const sixteen = info.bitDepth === 16;
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(file, { limitInputPixels: Math.floor(options.maxInputPixels), failOn: 'truncated', autoOrient: true, pages: 1 })
      // Converting to sRGB applies the embedded ICC profile (or the CMYK/grey fallbacks); rgb16 keeps 16 bits.
      .toColourspace(sixteen ? 'rgb16' : 'srgb')
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw decodeError(error, file, sniffed);
  }
  const { width, height, channels } = raw.info;
  if (channels !== 3 && channels !== 4) {
    throw new AppError('INTERNAL', `Decoding "${file}" gave ${channels} channels where 3 or 4 were expected.`, { path: file, details: { channels } });
  }
  const samples = sixteen ? asUint16(raw.data) : new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  const { rgb, alpha } = channels === 4 ? splitAlpha(samples, width * height) : { rgb: samples, alpha: undefined };

  const icc = metadata.icc === undefined ? undefined : readIccSummary(metadata.icc);
  const source: SourceInfo = {
    path: file,
    format: info.format,
    width,
    height,
    bitDepth: info.bitDepth,
    orientation: info.orientation,
    icc: metadata.icc,
    iccDescription: icc?.description,
    iccColourSpace: icc?.colourSpace,
    exif: metadata.exif,
    xmp: metadata.xmp,
    iptc: metadata.iptc,
    density: metadata.density,
    grey: metadata.space === 'b-w' || metadata.space === 'grey16',
  };
  return { width, height, bitDepth: info.bitDepth, rgb, alpha, source };
}

/** A Uint16Array over sharp's output; copies only if the buffer is not 2-byte aligned (sharp's never are misaligned in practice). */
function asUint16(data: Buffer): Uint16Array {
  if (data.byteOffset % 2 === 0) return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  return new Uint16Array(Uint8Array.from(data).buffer);
}

/** RGBA interleaved -> RGB interleaved + alpha plane (one pass over the LR image). */
function splitAlpha(rgba: PixelBuffer, pixels: number): { rgb: PixelBuffer; alpha: PixelBuffer } {
  const Ctor = rgba instanceof Uint16Array ? Uint16Array : Uint8Array;
  const rgb = new Ctor(pixels * 3);
  const alpha = new Ctor(pixels);
  for (let i = 0, s = 0, d = 0; i < pixels; i++, s += 4, d += 3) {
    rgb[d] = rgba[s]!;
    rgb[d + 1] = rgba[s + 1]!;
    rgb[d + 2] = rgba[s + 2]!;
    alpha[i] = rgba[s + 3]!;
  }
  return { rgb, alpha };
}

function throwIfAborted(signal: AbortSignal | undefined, file: string): void {
  if (signal?.aborted) throw new AppError('CANCELLED', `Decoding "${file}" was cancelled.`, { path: file });
}
