// What a file is, from its first bytes: one of the formats we decode, an image format we do not support, or not an
// image at all. Sniffing first lets us tell "not an image" from "an image we cannot read" from "a damaged image",
// which sharp's own errors blur together. Pure: works on a byte prefix.
//
// May import: ./types.

import type { InputFormat } from './types.js';

export type SniffedFormat =
  | { kind: 'supported'; format: InputFormat }
  | { kind: 'unsupported'; format: string }
  | { kind: 'unknown' };

/** Bytes sniffFormat looks at; callers read at least this many (or the whole file when shorter). */
export const SNIFF_BYTES = 256;

const ascii = (bytes: Uint8Array, start: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(start, start + length));

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  signature.every((b, i) => bytes[offset + i] === b);

// ISO-BMFF brands (the `ftyp` box) that say which HEIF flavour a file is.
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  const supported = (format: InputFormat): SniffedFormat => ({ kind: 'supported', format });
  const unsupported = (format: string): SniffedFormat => ({ kind: 'unsupported', format });

  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return supported('jpeg');
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return supported('png');
  if (ascii(bytes, 0, 4) === 'GIF8') return supported('gif');
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return supported('webp');
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return supported('tiff');
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return supported('tiff'); // BigTIFF
  if (ascii(bytes, 4, 4) === 'ftyp') {
    const boxSize = ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
    const brands = [ascii(bytes, 8, 4)];
    for (let offset = 16; offset + 4 <= Math.min(boxSize, bytes.length); offset += 4) brands.push(ascii(bytes, offset, 4));
    if (brands.some((b) => AVIF_BRANDS.has(b))) return supported('avif');
    if (brands.some((b) => HEIC_BRANDS.has(b))) return unsupported('heic');
    if (brands.some((b) => b.startsWith('jxl'))) return unsupported('jxl');
    if (brands.some((b) => b.startsWith('crx'))) return unsupported('cr3');
    return { kind: 'unknown' };
  }
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return unsupported('jxl');
  if (ascii(bytes, 0, 2) === 'BM') return unsupported('bmp');
  if (ascii(bytes, 0, 4) === '8BPS') return unsupported('psd');
  if (ascii(bytes, 0, 5) === '%PDF-') return unsupported('pdf');
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return unsupported('ico');
  if (startsWith(bytes, [0x76, 0x2f, 0x31, 0x01])) return unsupported('exr');
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return unsupported('jp2');
  if (ascii(bytes, 0, 10) === '#?RADIANCE' || ascii(bytes, 0, 6) === '#?RGBE') return unsupported('hdr');
  if (/^P[1-7]\s/.test(ascii(bytes, 0, 3))) return unsupported('ppm');
  if (ascii(bytes, 0, 4) === 'qoif') return unsupported('qoi');
  const text = ascii(bytes, 0, bytes.length).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return unsupported('svg');
  return { kind: 'unknown' };
}
