// Test images written at test time into a temp folder: real files made with real sharp (every input format, 8/16-bit,
// alpha, ICC profiles, EXIF orientation and metadata) and the bad inputs an engine must survive (empty, truncated,
// not an image, SVG, a decompression bomb's header, an unwritable folder). Shared by the imageio and engine tests.
//
// Temp folders get a space and non-ASCII characters in their names on purpose, so every test also covers such paths.

import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { Exif, Metadata } from 'sharp';
import { forLibvips } from '../../electron/core/imageio/exif.js';

export type TestImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'avif' | 'gif';

/** A fresh temp folder whose name has a space and non-ASCII characters ("tinysr tëst 写真-XXXXXX"). */
export async function makeTempDir(label = 'tëst 写真'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `tinysr ${label}-`));
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * A deterministic RGB (or RGBA) test pattern, interleaved: smooth gradients plus a fine checker, so both colour and
 * detail survive checks. 8-bit values in 0..255 or 16-bit values in 0..65535 using the full 16-bit range (not x257).
 * Alpha, when asked for, is a horizontal ramp from 0 (left) to max (right).
 */
export function testPattern(width: number, height: number, options: { bitDepth?: 8 | 16; alpha?: boolean } = {}): Uint8Array | Uint16Array {
  const sixteen = options.bitDepth === 16;
  const max = sixteen ? 65535 : 255;
  const channels = options.alpha ? 4 : 3;
  const out = sixteen ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const checker = ((x >> 2) + (y >> 2)) % 2 === 0 ? 0.1 : -0.1;
      const fx = width > 1 ? x / (width - 1) : 0;
      const fy = height > 1 ? y / (height - 1) : 0;
      out[i] = Math.round(max * clamp01(0.1 + 0.8 * fx + checker));
      out[i + 1] = Math.round(max * clamp01(0.1 + 0.8 * fy - checker));
      // In 16-bit, an offset that is not a multiple of 257 so a silent 8-bit round trip would show.
      out[i + 2] = Math.max(0, Math.round(max * clamp01(0.9 - 0.5 * (fx + fy) / 2 + checker / 2)) - (sixteen ? (x * 7 + y * 13) % 251 : 0));
      if (options.alpha) out[i + 3] = Math.round(max * fx);
    }
  }
  return out;
}

export interface TestImageOptions {
  width: number;
  height: number;
  format: TestImageFormat;
  /** 16 is honoured by PNG and TIFF (others are written at 8). */
  bitDepth?: 8 | 16;
  alpha?: boolean;
  /** Pixels given (or the pattern) are sRGB; with 'p3' they are converted to Display P3 and the P3 profile embedded. */
  icc?: 'srgb' | 'p3';
  /** EXIF orientation tag to write (the stored pixels are not rotated). */
  orientation?: number;
  /** EXIF fields in sharp's withExif form (IFD0 main, IFD2 Exif, IFD3 GPS). */
  exif?: Exif;
  /** An XMP packet (see xmpPacket). */
  xmp?: string;
  quality?: number;
  /** Interleaved pixels to write instead of the test pattern (channels 3, or 4 with `alpha`). */
  pixels?: Uint8Array | Uint16Array;
}

/** Writes a real image file with sharp and returns its path. */
export async function writeTestImage(file: string, options: TestImageOptions): Promise<string> {
  const { width, height, format } = options;
  const sixteen = options.bitDepth === 16;
  const pixels = options.pixels ?? testPattern(width, height, { bitDepth: sixteen ? 16 : 8, alpha: options.alpha === true });
  let image = sharp(pixels, { raw: { width, height, channels: options.alpha ? 4 : 3 } }).toColourspace(sixteen ? 'rgb16' : 'srgb');
  // withMetadata first: called after withIccProfile it would reset the output profile to sRGB.
  if (options.orientation !== undefined) image = image.withMetadata({ orientation: options.orientation });
  if (options.icc !== undefined) image = image.withIccProfile(options.icc);
  if (options.exif !== undefined) image = image.withExif(forLibvips(options.exif) as Exif);
  if (options.xmp !== undefined) image = image.withXmp(options.xmp);
  const quality = options.quality ?? 90;
  switch (format) {
    case 'jpeg': image = image.jpeg({ quality, chromaSubsampling: '4:4:4' }); break;
    case 'png': image = image.png(); break;
    case 'webp': image = image.webp({ quality, lossless: quality === 100 }); break;
    case 'tiff': image = image.tiff({ compression: 'deflate' }); break;
    case 'avif': image = image.avif({ quality, lossless: quality === 100 }); break;
    case 'gif': image = image.gif(); break;
  }
  await mkdir(path.dirname(file), { recursive: true });
  await image.toFile(file);
  return file;
}

/** An XMP packet with the given simple properties (e.g. { 'dc:title': 'x', 'tiff:Orientation': '6' }) in attribute form. */
export function xmpPacket(properties: Record<string, string>): string {
  const namespaces: Record<string, string> = {
    dc: 'http://purl.org/dc/elements/1.1/',
    tiff: 'http://ns.adobe.com/tiff/1.0/',
    exif: 'http://ns.adobe.com/exif/1.0/',
    xmp: 'http://ns.adobe.com/xap/1.0/',
    photoshop: 'http://ns.adobe.com/photoshop/1.0/',
  };
  const used = new Set(Object.keys(properties).map((k) => k.split(':')[0] ?? ''));
  const xmlns = [...used].map((p) => ` xmlns:${p}="${namespaces[p] ?? `urn:test:${p}`}"`).join('');
  const attrs = Object.entries(properties).map(([k, v]) => ` ${k}="${v}"`).join('');
  return (
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">` +
    `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""${xmlns}${attrs}/></rdf:RDF>` +
    `</x:xmpmeta><?xpacket end="w"?>`
  );
}

export async function writeEmptyFile(file: string): Promise<string> {
  await writeFile(file, new Uint8Array(0));
  return file;
}

/** A real image of `format` cut to `keep` of its bytes (default half): a valid header, missing pixel data. */
export async function writeTruncatedImage(file: string, format: TestImageFormat, keep = 0.5): Promise<string> {
  await writeTestImage(file, { width: 64, height: 64, format, quality: 100 });
  const bytes = await readFile(file);
  await writeFile(file, bytes.subarray(0, Math.max(1, Math.floor(bytes.length * keep))));
  return file;
}

/** A text file (whatever its extension). */
export async function writeNotAnImage(file: string): Promise<string> {
  await writeFile(file, 'This is a plain text file, not a photo.\n');
  return file;
}

/** A small SVG: an image format sharp could rasterise, but one we do not accept (vector art, not a photo). */
export async function writeSvg(file: string): Promise<string> {
  await writeFile(file, '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="red"/></svg>\n');
  return file;
}

/**
 * A decompression bomb's shape: a tiny, well-formed PNG whose header claims `width` x `height` RGB pixels (its data
 * is one deflated empty row, so decoding would allocate everything and then fail). A correct reader rejects it from
 * the header alone.
 */
export async function writePngBombHeader(file: string, width: number, height: number): Promise<string> {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filter, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  await writeFile(file, Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1 + width * 3))), chunk('IEND', new Uint8Array(0))]));
  return file;
}

/**
 * A folder path that cannot be created or written, even by root: it lies under a regular file, so every attempt
 * fails with ENOTDIR. (chmod does not stop root, and read-only mounts need privileges tests do not have.)
 */
export async function unwritableFolder(dir: string): Promise<string> {
  const blocker = path.join(dir, 'a file, not a folder');
  await writeFile(blocker, 'blocks folder creation\n');
  return path.join(blocker, 'out');
}

/**
 * A real read-only folder: chmod 555 for a normal user; for root (whom chmod does not stop) the immutable attribute
 * (`chattr +i`, ext4/xfs/btrfs). Returns undefined where neither works, so the caller can skip. Always call
 * `release()` (in a finally), or the folder cannot be deleted.
 */
export async function readOnlyFolder(parent: string): Promise<{ folder: string; release: () => Promise<void> } | undefined> {
  const folder = path.join(parent, 'read-only folder');
  await mkdir(folder, { recursive: true });
  if (process.getuid?.() !== 0) {
    await chmod(folder, 0o555);
    return { folder, release: () => chmod(folder, 0o755) };
  }
  const run = promisify(execFile);
  try {
    await run('chattr', ['+i', folder]);
  } catch {
    return undefined;
  }
  return { folder, release: async () => void (await run('chattr', ['-i', folder])) };
}

export interface DecodedPixels {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Pixels of an image file as stored, for assertions: no orientation applied and no colour conversion (ignoreIcc), at
 * 8 or 16 bits. Use `oriented: true` to get what a viewer shows.
 */
export async function readStoredPixels(file: string, options: { bitDepth?: 8 | 16; oriented?: boolean } = {}): Promise<DecodedPixels> {
  const sixteen = options.bitDepth === 16;
  const { data, info } = await sharp(file, { ignoreIcc: true, autoOrient: options.oriented === true })
    .toColourspace(sixteen ? 'rgb16' : 'srgb')
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const samples = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { data: samples, width: info.width, height: info.height, channels: info.channels };
}

/** sharp's metadata of a file (header: format, size, depth, profile, EXIF/XMP blobs). */
export async function readMetadata(file: string): Promise<Metadata> {
  return sharp(file).metadata();
}

/** Largest absolute difference between two sample arrays of equal length (throws on a length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

/** Mean absolute difference between two sample arrays of equal length. */
export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / Math.max(1, a.length);
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
