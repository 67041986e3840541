// The pure parts of imageio: format sniffing, error mapping, pixel limits, EXIF parsing and string form, XMP
// updates, ICC summaries. No sharp, no disk.

import { describe, expect, it } from 'vitest';
import { decodeError, encodeError, inputFileError, outputFileError } from '../../electron/core/imageio/errors.js';
import { carriedExifFields, exifOrientation, exifPixelDimensions, forLibvips, parseExif } from '../../electron/core/imageio/exif.js';
import { sniffFormat } from '../../electron/core/imageio/formats.js';
import { readIccSummary } from '../../electron/core/imageio/icc.js';
import { checkPixelLimits } from '../../electron/core/imageio/limits.js';
import { readXmpProperty, updatedXmp } from '../../electron/core/imageio/xmp.js';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)));

describe('sniffFormat', () => {
  it.each([
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0])],
    ['png', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a])],
    ['gif', bytes('GIF89a')],
    ['webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')],
    ['tiff', bytes('II', [0x2a, 0])],
    ['tiff', bytes('MM', [0, 0x2a])],
    ['avif', bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0], 'mif1miaf')],
    ['avif', bytes([0, 0, 0, 0x1c], 'ftypmif1', [0, 0, 0, 0], 'avifmiaf')],
  ])('recognises %s', (format, prefix) => {
    expect(sniffFormat(prefix)).toEqual({ kind: 'supported', format });
  });

  it.each([
    ['heic', bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0], 'mif1')],
    ['bmp', bytes('BM', [0, 0, 0, 0])],
    ['svg', bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['svg', bytes('  <svg width="1"/>')],
    ['pdf', bytes('%PDF-1.7')],
    ['psd', bytes('8BPS')],
    ['jxl', bytes([0xff, 0x0a])],
  ])('names the unsupported image format %s', (format, prefix) => {
    expect(sniffFormat(prefix)).toEqual({ kind: 'unsupported', format });
  });

  it('calls text, empty and random bytes unknown', () => {
    expect(sniffFormat(bytes('hello, world'))).toEqual({ kind: 'unknown' });
    expect(sniffFormat(new Uint8Array(0))).toEqual({ kind: 'unknown' });
    expect(sniffFormat(bytes([1, 2, 3, 4, 5, 6, 7, 8]))).toEqual({ kind: 'unknown' });
  });
});

describe('error mapping', () => {
  const errno = (code: string, message = code): Error => Object.assign(new Error(message), { code });

  it.each([
    ['ENOENT', 'INPUT_NOT_FOUND'],
    ['ENOTDIR', 'INPUT_NOT_FOUND'],
    ['EISDIR', 'INPUT_UNREADABLE'],
    ['EACCES', 'INPUT_UNREADABLE'],
    ['EPERM', 'INPUT_UNREADABLE'],
    ['EIO', 'INPUT_UNREADABLE'],
  ])('input %s -> %s, naming the file', (code, expected) => {
    const error = inputFileError(errno(code), '/in/photo 1.jpg');
    expect(error.code).toBe(expected);
    expect(error.path).toBe('/in/photo 1.jpg');
    expect(error.message).toContain('/in/photo 1.jpg');
  });

  it.each([
    ['EEXIST', 'OUTPUT_EXISTS'],
    ['EACCES', 'OUTPUT_NOT_WRITABLE'],
    ['EROFS', 'OUTPUT_NOT_WRITABLE'],
    ['ENOTDIR', 'OUTPUT_NOT_WRITABLE'],
    ['ENOSPC', 'OUTPUT_NOT_WRITABLE'],
  ])('output %s -> %s', (code, expected) => {
    expect(outputFileError(errno(code), '/out/x.png').code).toBe(expected);
  });

  it('reads errno out of libvips write messages and names the folder', () => {
    const vips = new Error('/ro/x.png: unable to open for write\nsystem error: Read-only file system');
    const error = outputFileError(vips, '/ro/x.png');
    expect(error).toMatchObject({ code: 'OUTPUT_NOT_WRITABLE', details: { errno: 'EROFS', folder: '/ro' } });
    expect(error.message).toContain('"/ro"');
    expect(error.message).toMatch(/read-only/);
  });

  it('maps sharp decode failures using what the first bytes said', () => {
    const jpeg = { kind: 'supported', format: 'jpeg' } as const;
    expect(decodeError(new Error('VipsJpeg: premature end of JPEG image\nmore'), 'a.jpg', jpeg)).toMatchObject({
      code: 'INPUT_CORRUPT',
      details: { reason: 'VipsJpeg: premature end of JPEG image' },
    });
    expect(decodeError(new Error('Input image exceeds pixel limit'), 'a.jpg', jpeg).code).toBe('INPUT_TOO_LARGE');
    expect(decodeError(new Error('Input file is missing: a.jpg'), 'a.jpg', jpeg).code).toBe('INPUT_NOT_FOUND');
    expect(decodeError(new Error('Input file contains unsupported image format'), 'a.jpg', { kind: 'unknown' }).code).toBe('INPUT_NOT_IMAGE');
    expect(decodeError(new Error('Input file contains unsupported image format'), 'a.svg', { kind: 'unsupported', format: 'svg' }).code).toBe('INPUT_UNSUPPORTED_FORMAT');
    expect(decodeError(new Error('Input file contains unsupported image format'), 'a.tif', { kind: 'supported', format: 'tiff' }).code).toBe('INPUT_CORRUPT');
  });

  it.each([
    ['system error: Operation not permitted', 'EPERM'],
    ['system error: Permission denied', 'EACCES'],
    ['system error: Disk quota exceeded', 'EDQUOT'],
    ['system error: Something new', 'EIO'],
  ])('maps libvips "%s" to %s', (reason, errno) => {
    const error = outputFileError(new Error(`/o/x.png: unable to open for write\n${reason}`), '/o/x.png');
    expect(error).toMatchObject({ code: 'OUTPUT_NOT_WRITABLE', details: { errno } });
  });

  it('tells encoder I/O failures from codec refusals', () => {
    expect(encodeError(new Error('/o/x.webp: unable to open for write\nsystem error: No space left on device'), '/o/x.webp', 'webp').code).toBe('OUTPUT_NOT_WRITABLE');
    const refusal = encodeError(new Error('Processed image is too large for the WebP format'), '/o/x.webp', 'webp');
    expect(refusal).toMatchObject({ code: 'INTERNAL', path: '/o/x.webp', details: { format: 'webp' } });
    expect(refusal.message).toContain('Try another output format');
  });

  it('survives the trip through JSON with its code and path', () => {
    const error = inputFileError(errno('ENOENT'), '/x/ü.png');
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'INPUT_NOT_FOUND', path: '/x/ü.png' });
  });
});

describe('checkPixelLimits', () => {
  it('passes at the limit and fails one pixel over, naming size and limit', () => {
    expect(() => checkPixelLimits('a.png', 100, 100, { maxInputPixels: 10_000 })).not.toThrow();
    expect(() => checkPixelLimits('a.png', 101, 100, { maxInputPixels: 10_000 })).toThrow(
      expect.objectContaining({ code: 'INPUT_TOO_LARGE', message: expect.stringMatching(/"a\.png" is 101x100 .*limit of 0\.0 MP \(10000 pixels\)/) }),
    );
  });

  it('checks the output only when the scale is known', () => {
    expect(() => checkPixelLimits('a.png', 100, 100, { maxInputPixels: 10_000, maxOutputPixels: 1000 })).not.toThrow();
    expect(() => checkPixelLimits('a.png', 100, 100, { maxInputPixels: 10_000, maxOutputPixels: 160_000, scale: 4 })).not.toThrow();
    expect(() => checkPixelLimits('a.png', 100, 100, { maxInputPixels: 10_000, maxOutputPixels: 159_999, scale: 4 })).toThrow(expect.objectContaining({ code: 'INPUT_TOO_LARGE' }));
  });

  it('rejects nonsense limits as INVALID_ARGUMENT', () => {
    expect(() => checkPixelLimits('a.png', 1, 1, { maxInputPixels: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => checkPixelLimits('a.png', 1, 1, { maxInputPixels: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

/** A little-endian EXIF block built by hand: IFD0 (Make, Orientation, Artist, pointers), Exif IFD, GPS IFD, IFD1. */
function handMadeExif(): Uint8Array {
  const buf = new Uint8Array(512);
  const v = new DataView(buf.buffer);
  let heap = 300;
  const put = (text: string): number => {
    const at = heap;
    buf.set(bytes(text, [0]), at);
    heap += text.length + 1 + ((text.length + 1) % 2);
    return at;
  };
  const ifd = (at: number, entries: Array<[number, number, number, number]>, next: number): void => {
    v.setUint16(at, entries.length, true);
    entries.forEach(([tag, type, count, value], i) => {
      const e = at + 2 + i * 12;
      v.setUint16(e, tag, true);
      v.setUint16(e + 2, type, true);
      v.setUint32(e + 4, count, true);
      if (type === 3 && count === 1) v.setUint16(e + 8, value, true);
      else v.setUint32(e + 8, value, true);
    });
    v.setUint32(at + 2 + entries.length * 12, next, true);
  };
  buf.set(bytes('Exif', [0, 0]), 0);
  const t = 6; // TIFF header starts after "Exif\0\0"; offsets are relative to it
  buf.set(bytes('II', [0x2a, 0], [8, 0, 0, 0]), t);
  const make = put('Nikon') - t;
  const artist = put('Zoë (photographer)') - t;
  const rational = heap - t;
  v.setUint32(heap, 1, true);
  v.setUint32(heap + 4, 250, true);
  heap += 8;
  ifd(t + 8, [[0x010f, 2, 6, make], [0x0112, 3, 1, 8], [0x013b, 2, 20, artist], [0x8769, 4, 1, 100], [0x8825, 4, 1, 160]], 200);
  ifd(t + 100, [[0x829a, 5, 1, rational], [0x8827, 3, 1, 800], [0xa002, 4, 1, 4000], [0xa003, 4, 1, 3000], [0x927c, 7, 4, 0x01020304]], 0);
  ifd(t + 160, [[0x0005, 1, 1, 1], [0x0006, 5, 1, rational]], 0);
  ifd(t + 200, [[0x0103, 3, 1, 6]], 0);
  return buf;
}

describe('EXIF', () => {
  it('parses IFD0, the Exif and GPS sub-IFDs, and notices the thumbnail IFD', () => {
    const parsed = parseExif(handMadeExif())!;
    expect(parsed.littleEndian).toBe(true);
    expect(exifOrientation(parsed)).toBe(8);
    expect(exifPixelDimensions(parsed)).toEqual({ width: 4000, height: 3000 });
    expect(parsed.ifd0.get(0x013b)?.value).toBe('Zoë (photographer)');
    expect(parsed.hasThumbnail).toBe(true);
  });

  it('keeps the carried tags in libvips string form and leaves out the rest', () => {
    expect(carriedExifFields(handMadeExif())).toEqual({
      IFD0: { Make: 'Nikon', Artist: 'Zoë (photographer)' },
      // MakerNote (UNDEFINED) and the pixel dimensions are not carried; libvips writes the new size itself.
      IFD2: { ExposureTime: '1/250', ISOSpeedRatings: '800' },
      // GPSAltitudeRef 1 (below sea level) cannot be written, so the altitude is dropped rather than flipped.
    });
  });

  it('protects values from libvips trimming a trailing " (...)"', () => {
    expect(forLibvips({ IFD0: { Artist: 'Zoë (photographer)' }, IFD2: { ISOSpeedRatings: '800' } })).toEqual({
      IFD0: { Artist: 'Zoë (photographer) ()' },
      IFD2: { ISOSpeedRatings: '800 ()' },
    });
  });

  it('returns nothing for malformed blocks', () => {
    expect(parseExif(bytes('Exif', [0, 0], 'XX'))).toBeUndefined();
    expect(carriedExifFields(bytes('garbage that is not exif'))).toEqual({});
    const truncated = handMadeExif().subarray(0, 40);
    expect(() => carriedExifFields(truncated)).not.toThrow();
  });
});

describe('XMP', () => {
  const packet =
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"' +
    ' tiff:Orientation="6" exif:PixelXDimension="400" xmp:CreatorTool="Lightroom"><tiff:ImageWidth>400</tiff:ImageWidth><dc:title>Zürich &amp; more</dc:title></rdf:Description>' +
    '</rdf:RDF></x:xmpmeta>';
  const provenance = { software: 'TinySR Studio 0.1.0', model: 'tinysr-x4 "beta"', scale: 4 };

  it('updates orientation and size in attribute and element form, keeping everything else', () => {
    const xmp = updatedXmp(packet, { width: 1200, height: 1600 })!;
    expect(readXmpProperty(xmp, 'tiff:Orientation')).toBe('1');
    expect(readXmpProperty(xmp, 'exif:PixelXDimension')).toBe('1200');
    expect(readXmpProperty(xmp, 'tiff:ImageWidth')).toBe('1200');
    expect(readXmpProperty(xmp, 'dc:title')).toBe('Zürich & more');
    expect(readXmpProperty(xmp, 'xmp:CreatorTool')).toBe('Lightroom');
  });

  it('replaces the creator tool with the provenance and escapes it', () => {
    const xmp = updatedXmp(packet, { width: 1, height: 1, provenance })!;
    expect(xmp.match(/xmp:CreatorTool=/g)).toHaveLength(1);
    expect(readXmpProperty(xmp, 'xmp:CreatorTool')).toBe('TinySR Studio 0.1.0');
    expect(readXmpProperty(xmp, 'tinysr:Model')).toBe('tinysr-x4 "beta"');
    expect(xmp).toContain('tinysr:Model="tinysr-x4 &quot;beta&quot;"');
  });

  it('makes a fresh packet for the provenance when the source has none, and nothing without provenance', () => {
    const xmp = updatedXmp(undefined, { width: 1, height: 1, provenance })!;
    expect(xmp.startsWith('<?xpacket')).toBe(true);
    expect(readXmpProperty(xmp, 'tinysr:Scale')).toBe('4');
    expect(updatedXmp(undefined, { width: 1, height: 1 })).toBeUndefined();
  });
});

describe('readIccSummary', () => {
  /** A minimal v2 profile: header + one `desc` tag. */
  function profile(colourSpace: string, description: string): Uint8Array {
    const desc = bytes('desc', [0, 0, 0, 0], [0, 0, 0, description.length + 1], description, [0]);
    const buf = new Uint8Array(128 + 4 + 12 + desc.length);
    const v = new DataView(buf.buffer);
    v.setUint32(0, buf.length);
    buf.set(bytes(colourSpace.padEnd(4, ' ')), 16);
    buf.set(bytes('acsp'), 36);
    v.setUint32(128, 1);
    buf.set(bytes('desc'), 132);
    v.setUint32(136, 144);
    v.setUint32(140, desc.length);
    buf.set(desc, 144);
    return buf;
  }

  it('reads the colour space and the description', () => {
    expect(readIccSummary(profile('RGB', 'Display P3'))).toEqual({ colourSpace: 'RGB', description: 'Display P3' });
    expect(readIccSummary(profile('CMYK', 'U.S. Web Coated (SWOP) v2'))).toEqual({ colourSpace: 'CMYK', description: 'U.S. Web Coated (SWOP) v2' });
  });

  it('returns undefined for bytes that are not a profile', () => {
    expect(readIccSummary(new Uint8Array(200))).toBeUndefined();
  });
});
