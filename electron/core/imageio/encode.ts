// Encoding an upscaled raster into its output file: the source's colour profile and metadata carried over, a
// provenance tag added, alpha re-attached, 16 bits kept where the format allows, written atomically.
//
// What each output format carries (metadata 'keep', colorProfile 'source'; verified by test/integration/imageio-encode):
//
// | format | bits      | alpha            | ICC profile | EXIF (+Software)  | XMP (+provenance) | IPTC-IIM |
// |--------|-----------|------------------|-------------|-------------------|-------------------|----------|
// | png    | 8 or 16   | yes              | yes (iCCP)  | yes (eXIf)        | yes (iTXt)        | no       |
// | tiff   | 8 or 16   | yes              | yes         | no (libvips)      | yes               | no       |
// | jpeg   | 8         | flattened (white)| yes         | yes (APP1)        | yes (APP1)        | no       |
// | webp   | 8         | yes              | yes         | yes               | yes               | no       |
// | avif   | 8         | yes              | yes         | yes               | yes               | no       |
//
// - EXIF: the tags listed in exif.ts CARRIED_TAGS (camera, lens, exposure, dates, authorship, GPS) are re-created by
//   libvips, which also writes the new PixelX/YDimension, Orientation = 1 (pixels are already oriented) and the
//   resolution from the source density. MakerNote, thumbnails and unknown tags are dropped (see exif.ts for why).
// - XMP: the source packet byte for byte except tiff:Orientation, tiff:ImageWidth/ImageLength and
//   exif:PixelX/YDimension (updated) and xmp:CreatorTool (replaced by our software), plus tinysr:Model/Scale/Software.
// - IPTC-IIM: sharp offers no way to attach an IPTC block to an image built from raw pixels, so it is lost; most
//   editors mirror IPTC Core into XMP, which is carried.
// - ICC: 'source' converts the pixels from sRGB back into the source's RGB profile and embeds it; a grey or CMYK source
//   profile cannot hold RGB output, so those get sRGB. 'srgb' (or an untagged source) writes sRGB pixels, with the
//   sRGB profile embedded when the policy is 'srgb'.
// - 16-bit input stays 16-bit in PNG and TIFF; JPEG, WebP and AVIF are written at 8 bits.
// - A grey source (SourceInfo.grey) gives a grey output: the model's RGB is reduced to its luma (Rec. 709 weights on
//   the sRGB-encoded values) and written as one grey channel (PNG, TIFF, JPEG; 16 bits kept in PNG and TIFF) or as
//   equal R, G and B where the format has no grey mode (WebP, AVIF). It carries no ICC profile: its values are the
//   sRGB-grey the model saw (libvips would convert a grey image to RGB to attach one).
//
// Memory: the RGB buffer is handed to sharp as raw input without a copy (sharp wraps the same memory, see its
// OpenInput: VImage::new_from_memory); the alpha plane is joined by libvips band-wise, so no interleaved RGBA copy is
// made in JavaScript. Beyond the caller's buffer, measured peak RSS growth of an 8-bit encode (sharp 0.35.5, 2 cores):
// 40 MP: PNG 12 MB, TIFF 16 MB, JPEG 11 MB (libvips streams them; JPEG only because Huffman optimisation is off:
// with it, 490 MB); 10 MP: WebP 230-290 MB, AVIF more (libwebp and libaom hold the whole picture, 20+ bytes per pixel),
// so prefer PNG, TIFF or JPEG for very large outputs. Alpha into JPEG adds one RGB-sized copy (flattening onto white).
// 'strip' writes no source metadata; the output still gets the provenance, its ColorSpace tag and its density.
// Size limits: WebP is at most 16383 px per side and JPEG 65500; beyond that encodeImage refuses with INVALID_ARGUMENT.
//
// May import: sharp, node:fs, node:os, node:path, ../shared, ./atomic, ./errors, ./exif, ./xmp, ./types.

import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Exif, Sharp } from 'sharp';
import { AppError } from '../shared/errors.js';
import { holdTemp, isOrphan, releaseTemp, writeFileAtomically } from './atomic.js';
import { encodeError } from './errors.js';
import { carriedExifFields, forLibvips } from './exif.js';
import type { ExifFields } from './exif.js';
import { OUTPUT_FORMATS, DEFAULT_QUALITY } from './types.js';
import type { BitDepth, EncodeOptions, EncodeResult, OutputFormat, PixelBuffer, Provenance, RgbImage, SourceInfo } from './types.js';
import { updatedXmp } from './xmp.js';

const SIXTEEN_BIT_FORMATS: ReadonlySet<OutputFormat> = new Set(['png', 'tiff']);
const ALPHA_FORMATS: ReadonlySet<OutputFormat> = new Set(['png', 'tiff', 'webp', 'avif']);
const DEFAULT_DENSITY = 72;
/** Largest side each codec can encode (libwebp: 16383; libjpeg: 65500). */
const MAX_SIDE: Partial<Record<OutputFormat, number>> = { webp: 16383, jpeg: 65500 };

/**
 * Writes `image` to `options.path` (see the table above). Errors: INVALID_ARGUMENT (buffer sizes/types, quality,
 * format), OUTPUT_EXISTS, OUTPUT_NOT_WRITABLE, CANCELLED. Nothing is left at the path or beside it on failure.
 */
export async function encodeImage(image: RgbImage, options: EncodeOptions): Promise<EncodeResult> {
  validate(image, options);
  const bitDepth: BitDepth = image.bitDepth === 16 && SIXTEEN_BIT_FORMATS.has(options.format) ? 16 : 8;
  const profile = options.source?.grey === true ? NO_PROFILE : await outputProfile(options.colorProfile, options.source);
  let size = 0;
  try {
    await writeFileAtomically(options.path, { overwrite: options.overwrite, signal: options.signal, beforeCommit: options.beforeCommit }, async (temp) => {
      try {
        size = (await pipelineFor(image, options, bitDepth, profile.name).toFile(temp)).size;
      } catch (error) {
        throw encodeError(error, options.path, options.format);
      }
    });
  } finally {
    await profile.dispose();
  }
  return { path: options.path, format: options.format, width: image.width, height: image.height, bitDepth, size };
}

function pipelineFor(image: RgbImage, options: EncodeOptions, bitDepth: BitDepth, profile: string | undefined): Sharp {
  const { width, height } = image;
  const flatten = image.alpha !== undefined && !ALPHA_FORMATS.has(options.format);
  const rgb = flatten ? flattenOnWhite(image) : image.rgb;
  const grey = options.source?.grey === true;
  let pipeline = grey
    ? sharp(lumaPlane(rgb), { raw: { width, height, channels: 1 }, limitInputPixels: false })
    : sharp(rgb, { raw: { width, height, channels: 3 }, limitInputPixels: false });
  if (image.alpha !== undefined && !flatten) {
    // sharp's typings only list Buffer here, but joinChannel takes any typed array like its constructor does, and a
    // Uint16Array is what makes it read the plane as 16-bit.
    pipeline = pipeline.joinChannel(image.alpha as unknown as Buffer, { raw: { width, height, channels: 1 } });
  }
  if (grey) pipeline = pipeline.toColourspace(bitDepth === 16 ? 'grey16' : 'b-w');
  else pipeline = pipeline.toColourspace(bitDepth === 16 ? 'rgb16' : 'srgb');
  if (profile !== undefined) pipeline = pipeline.withIccProfile(profile);
  pipeline = pipeline.withDensity(options.source?.density ?? DEFAULT_DENSITY);

  const keep = options.metadata === 'keep' && options.source !== undefined;
  const exif = exifFields(keep ? options.source : undefined, options.provenance, profile === undefined || profile === 'srgb');
  if (Object.keys(exif).length > 0) pipeline = pipeline.withExif(forLibvips(exif) as Exif);
  const sourceXmp = keep && options.source?.xmp !== undefined ? options.source.xmp.toString('utf8') : undefined;
  const xmp = updatedXmp(sourceXmp, { width, height, provenance: options.provenance });
  if (xmp !== undefined) pipeline = pipeline.withXmp(xmp);
  return withFormat(pipeline, options.format, options.quality);
}

/**
 * RGB composited over white for formats without alpha (JPEG). Done here rather than with sharp's flatten(), which
 * runs before joinChannel in sharp's fixed pipeline order and so never sees the alpha. Costs one RGB-sized copy.
 */
function flattenOnWhite(image: RgbImage): PixelBuffer {
  const { rgb, alpha } = image;
  const max = image.bitDepth === 16 ? 65535 : 255;
  const out = rgb instanceof Uint16Array ? new Uint16Array(rgb.length) : new Uint8Array(rgb.length);
  for (let p = 0, i = 0; i < rgb.length; p++, i += 3) {
    const a = alpha![p]! / max;
    const white = max * (1 - a);
    out[i] = Math.round(rgb[i]! * a + white);
    out[i + 1] = Math.round(rgb[i + 1]! * a + white);
    out[i + 2] = Math.round(rgb[i + 2]! * a + white);
  }
  return out;
}

/** Rec. 709 luma of interleaved RGB, one sample per pixel, same depth: the grey output of a grey source. */
function lumaPlane(rgb: PixelBuffer): PixelBuffer {
  const out = rgb instanceof Uint16Array ? new Uint16Array(rgb.length / 3) : new Uint8Array(rgb.length / 3);
  for (let p = 0, i = 0; p < out.length; p++, i += 3) out[p] = Math.round(0.2126 * rgb[i]! + 0.7152 * rgb[i + 1]! + 0.0722 * rgb[i + 2]!);
  return out;
}

function exifFields(source: SourceInfo | undefined, provenance: Provenance | undefined, srgb: boolean): ExifFields {
  const fields = source?.exif === undefined ? {} : carriedExifFields(source.exif);
  if (provenance !== undefined) fields.IFD0 = { ...fields.IFD0, Software: provenanceText(provenance) };
  // Written with any EXIF (libexif would otherwise default it to "uncalibrated"): 1 = sRGB, 65535 = see the ICC profile.
  if (Object.keys(fields).length > 0) fields.IFD2 = { ...fields.IFD2, ColorSpace: srgb ? '1' : '65535' };
  return fields;
}

/** "TinySR Studio 0.1.0 (tinysr-x4, x4)": what EXIF Software says about the output. */
export function provenanceText(provenance: Provenance): string {
  return `${provenance.software} (${provenance.model}, x${provenance.scale})`;
}

function withFormat(pipeline: Sharp, format: OutputFormat, quality: number | undefined): Sharp {
  switch (format) {
    case 'png':
      return pipeline.png({ compressionLevel: 6 });
    case 'tiff':
      // Lossless: deflate with a horizontal predictor handles 8 and 16 bits (sharp's default is lossy JPEG-in-TIFF).
      return pipeline.tiff({ compression: 'deflate', predictor: 'horizontal' });
    case 'jpeg': {
      const q = quality ?? DEFAULT_QUALITY.jpeg;
      // Chroma subsampling visibly softens fine colour detail, the very thing an upscaler adds; keep it at high quality.
      // No Huffman optimisation: it buffers every DCT coefficient (6-13 bytes per pixel) to save ~2.5 % of file size.
      return pipeline.jpeg({ quality: q, chromaSubsampling: q >= 90 ? '4:4:4' : '4:2:0', optimiseCoding: false });
    }
    case 'webp':
      return pipeline.webp({ quality: quality ?? DEFAULT_QUALITY.webp, alphaQuality: 100, smartSubsample: true });
    case 'avif':
      return pipeline.avif({ quality: quality ?? DEFAULT_QUALITY.avif });
  }
}

const NO_PROFILE = { name: undefined, dispose: async (): Promise<void> => {} };

/** The profile sharp converts to and embeds: a path to the source profile, 'srgb', or none (untagged sRGB). */
async function outputProfile(policy: EncodeOptions['colorProfile'], source: SourceInfo | undefined): Promise<{ name: string | undefined; dispose: () => Promise<void> }> {
  const none = async (): Promise<void> => {};
  if (policy === 'srgb') return { name: 'srgb', dispose: none };
  if (source?.icc === undefined) return { name: undefined, dispose: none };
  if (source.iccColourSpace !== 'RGB') return { name: 'srgb', dispose: none };
  // sharp takes output profiles by file path only (sharp 0.35 refuses a Buffer), so the profile goes through a temp
  // folder: held while it exists (a worker told to end removes it) and named with our pid (sweepOrphanedIccFolders).
  const folder = await mkdtemp(path.join(os.tmpdir(), `${ICC_FOLDER_PREFIX}${process.pid}-`));
  holdTemp(folder);
  const dispose = async (): Promise<void> => {
    await rm(folder, { recursive: true, force: true });
    releaseTemp(folder);
  };
  const file = path.join(folder, 'source.icc');
  try {
    await writeFile(file, source.icc);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { name: file, dispose };
}

const ICC_FOLDER_PREFIX = 'tinysr-icc-';
/** Exactly the folder names outputProfile makes (mkdtemp adds six characters); the writer's pid is group 1. */
const ICC_FOLDER_NAME = /^tinysr-icc-([1-9][0-9]*)-[A-Za-z0-9]{6}$/;

/**
 * Removes the profile folders in the system temp folder that an encoder killed outright left behind (our exact naming
 * pattern, older than this process, writer process gone); returns their names. The engine runs it once at start.
 */
export async function sweepOrphanedIccFolders(tempDir = os.tmpdir()): Promise<string[]> {
  const names = await readdir(tempDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = ICC_FOLDER_NAME.exec(name)?.[1];
    if (pid === undefined) continue;
    const folder = path.join(tempDir, name);
    const info = await stat(folder).catch(() => undefined);
    if (info === undefined || !info.isDirectory() || !isOrphan(Number(pid), info.mtimeMs)) continue;
    await rm(folder, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function validate(image: RgbImage, options: EncodeOptions): void {
  const invalid = (argument: string, message: string, details: Record<string, unknown> = {}): AppError =>
    new AppError('INVALID_ARGUMENT', `encodeImage for "${options.path}": ${message}`, { path: options.path, details: { argument, ...details } });
  const { width, height, bitDepth, rgb, alpha } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw invalid('image', `width and height must be positive integers, got ${width}x${height}.`);
  const ArrayType = bitDepth === 16 ? Uint16Array : Uint8Array;
  if (!(rgb instanceof ArrayType) || rgb.length !== width * height * 3) {
    throw invalid('image.rgb', `rgb must be a ${ArrayType.name} of ${width}x${height}x3 = ${width * height * 3} samples for ${bitDepth}-bit, got a ${rgb.constructor.name} of ${rgb.length}.`);
  }
  if (alpha !== undefined && (!(alpha instanceof ArrayType) || alpha.length !== width * height)) {
    throw invalid('image.alpha', `alpha must be a ${ArrayType.name} of ${width * height} samples, got a ${alpha.constructor.name} of ${alpha.length}.`);
  }
  if (!(OUTPUT_FORMATS as readonly string[]).includes(options.format)) throw invalid('format', `format must be one of ${OUTPUT_FORMATS.join(', ')}, got "${String(options.format)}".`);
  const maxSide = MAX_SIDE[options.format];
  if (maxSide !== undefined && Math.max(width, height) > maxSide) {
    throw invalid('format', `${options.format.toUpperCase()} holds at most ${maxSide} pixels per side and the output is ${width}x${height}; choose PNG or TIFF.`, { width, height, maxSide });
  }
  if (options.quality !== undefined && (!Number.isInteger(options.quality) || options.quality < 1 || options.quality > 100)) {
    throw invalid('quality', `quality must be an integer from 1 to 100, got ${options.quality}.`);
  }
}
