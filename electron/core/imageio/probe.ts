// The cheap header probe: is this a readable, non-empty file of a format we decode, how big is it once oriented, and
// is it within the pixel limits? Reads the first bytes and the header only, never the pixels, so a decompression
// bomb is rejected before it can allocate anything.
//
// May import: sharp, node:fs, ../shared, ./errors, ./formats, ./icc, ./limits, ./types.

import { open, stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { isAppError } from '../shared/errors.js';
import { emptyFile, decodeError, inputFileError, notAnImage, unsupportedFormat } from './errors.js';
import { SNIFF_BYTES, sniffFormat } from './formats.js';
import type { SniffedFormat } from './formats.js';
import { readIccSummary } from './icc.js';
import { checkPixelLimits } from './limits.js';
import type { BitDepth, ImageInfo, InputFormat, PixelLimits } from './types.js';

/** The probe's result plus what decode reuses (sharp's metadata and the sniffed format). */
export interface Probe {
  info: ImageInfo;
  metadata: Metadata;
  sniffed: SniffedFormat;
}

/** sharp's decoder names for the formats we accept; 'heif' is narrowed to AV1-coded (AVIF) below. */
const SHARP_FORMATS: Readonly<Record<string, InputFormat>> = { jpeg: 'jpeg', png: 'png', webp: 'webp', tiff: 'tiff', heif: 'avif', gif: 'gif' };

/**
 * Header probe of `file`. With `limits`, throws INPUT_TOO_LARGE when the image (or its upscaled output) exceeds them.
 * Errors: INPUT_NOT_FOUND, INPUT_UNREADABLE, INPUT_EMPTY, INPUT_NOT_IMAGE, INPUT_UNSUPPORTED_FORMAT, INPUT_CORRUPT,
 * INPUT_TOO_LARGE.
 */
export async function readImageInfo(file: string, limits?: PixelLimits): Promise<ImageInfo> {
  return (await probe(file, limits)).info;
}

export async function probe(file: string, limits?: PixelLimits): Promise<Probe> {
  const { size, sniffed } = await sniffFile(file);
  if (sniffed.kind === 'unknown') throw notAnImage(file);
  if (sniffed.kind === 'unsupported') throw unsupportedFormat(file, sniffed.format);

  let metadata: Metadata;
  try {
    // Header only: sharp reads no pixels for metadata(), so no limit is needed here; ours below says more.
    metadata = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(error, file, sniffed);
  }
  const format = SHARP_FORMATS[metadata.format];
  if (format === undefined) throw unsupportedFormat(file, metadata.format);
  if (metadata.format === 'heif' && metadata.compression !== 'av1') throw unsupportedFormat(file, metadata.compression ?? 'heif');

  const orientation = metadata.orientation !== undefined && metadata.orientation >= 1 && metadata.orientation <= 8 ? metadata.orientation : 1;
  const width = metadata.autoOrient.width;
  const height = metadata.autoOrient.height;
  if (limits !== undefined) checkPixelLimits(file, width, height, limits);
  const icc = metadata.icc === undefined ? undefined : readIccSummary(metadata.icc);
  const info: ImageInfo = {
    path: file,
    format,
    width,
    height,
    storedWidth: metadata.width,
    storedHeight: metadata.height,
    channels: metadata.channels,
    hasAlpha: metadata.hasAlpha,
    bitDepth: bitDepthOf(metadata),
    orientation,
    hasIccProfile: metadata.hasProfile,
    iccDescription: icc?.description,
    fileSize: size,
  };
  return { info, metadata, sniffed };
}

/** 16 when a sample holds more than 8 bits (16-bit PNG/TIFF, 10/12-bit AVIF, float TIFF): those decode to 16-bit. */
function bitDepthOf(metadata: Metadata): BitDepth {
  if (metadata.depth === 'uchar' || metadata.depth === 'char') return metadata.bitsPerSample !== undefined && metadata.bitsPerSample > 8 ? 16 : 8;
  return 16;
}

async function sniffFile(file: string): Promise<{ size: number; sniffed: SniffedFormat }> {
  try {
    const stats = await stat(file);
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    // A FIFO or device would block or never end; only regular files are images we can read.
    if (!stats.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
    if (stats.size === 0) throw emptyFile(file);
    const handle = await open(file, 'r');
    try {
      const prefix = new Uint8Array(Math.min(SNIFF_BYTES, stats.size));
      const { bytesRead } = await handle.read(prefix, 0, prefix.length, 0);
      return { size: stats.size, sniffed: sniffFormat(prefix.subarray(0, bytesRead)) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isAppError(error)) throw error;
    throw inputFileError(error, file);
  }
}
