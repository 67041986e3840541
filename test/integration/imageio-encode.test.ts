// Encoding with real sharp into real files: every output format, 16-bit, alpha, orientation reset, ICC carried or
// converted, EXIF/XMP carried with new dimensions, provenance, atomic writes and the overwrite policy. The "model"
// here is sharp's own resize: these tests are about what happens around the upscale, not the upscale itself.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../electron/core/shared/errors.js';
import {
  assertOutputWritable, decodeImage, encodeImage, removeLeftoverTemps, resizePixels, writeFileAtomically,
} from '../../electron/core/imageio/index.js';
import type { DecodedImage, EncodeOptions, OutputFormat, PixelBuffer, RgbImage } from '../../electron/core/imageio/index.js';
import { CARRIED_TAGS, carriedExifFields, exifOrientation, exifPixelDimensions, parseExif } from '../../electron/core/imageio/exif.js';
import { readIccSummary } from '../../electron/core/imageio/icc.js';
import { readXmpProperty } from '../../electron/core/imageio/xmp.js';
import {
  makeTempDir, maxAbsDiff, meanAbsDiff, readMetadata, readOnlyFolder, readStoredPixels, removeTempDir, testPattern,
  unwritableFolder, writeTestImage, xmpPacket,
} from '../helpers/images.js';
import { rejection } from '../helpers/rejection.js';

const LIMITS = { maxInputPixels: 4_000_000 };
const PROVENANCE = { software: 'TinySR Studio 0.1.0', model: 'tinysr-x4', scale: 4 };
const W = 40;
const H = 24;

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(async () => {
  await removeTempDir(dir);
});

/** Stands in for the model: a x`scale` Lanczos resize of the decoded RGB, same depth. */
async function fakeUpscale(image: RgbImage, scale: number): Promise<RgbImage> {
  const sixteen = image.bitDepth === 16;
  const { data } = await sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(image.width * scale, image.height * scale, { kernel: 'lanczos3' })
    .toColourspace(sixteen ? 'rgb16' : 'srgb')
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const rgb: PixelBuffer = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data);
  const target = { width: image.width * scale, height: image.height * scale };
  const alpha = image.alpha === undefined ? undefined : await resizePixels(image.alpha, image, 1, target, image.bitDepth);
  return { width: image.width * scale, height: image.height * scale, bitDepth: image.bitDepth, rgb, alpha };
}

function options(file: string, format: OutputFormat, source: DecodedImage['source'] | undefined, extra: Partial<EncodeOptions> = {}): EncodeOptions {
  return { path: file, format, metadata: 'keep', colorProfile: 'source', provenance: PROVENANCE, overwrite: false, source, ...extra };
}

function rgbImage(bitDepth: 8 | 16 = 8, alpha = false): RgbImage {
  const rgba = testPattern(W, H, { bitDepth, alpha: true });
  const pick = (keep: (i: number) => boolean): PixelBuffer => {
    const values = Array.from(rgba).filter((_, i) => keep(i));
    return bitDepth === 16 ? Uint16Array.from(values) : Uint8Array.from(values);
  };
  return { width: W, height: H, bitDepth, rgb: pick((i) => i % 4 !== 3), alpha: alpha ? pick((i) => i % 4 === 3) : undefined };
}

describe('encodeImage: formats, depth, alpha', () => {
  // Lossy WebP always subsamples chroma 4:2:0, which the pattern's fine colour checker exposes.
  const cases: Array<[OutputFormat, number]> = [['png', 0], ['tiff', 0], ['webp', 10], ['jpeg', 3], ['avif', 4]];
  it.each(cases)('writes %s that decodes back to the same pixels (mean error <= %d)', async (format, tolerance) => {
    const image = rgbImage();
    const file = path.join(dir, `formats`, `out.${format}`);
    const result = await encodeImage(image, options(file, format, undefined, { quality: 95 }));
    expect(result).toMatchObject({ path: file, format, width: W, height: H, bitDepth: 8 });
    const meta = await readMetadata(file);
    expect(meta.format).toBe(format === 'avif' ? 'heif' : format);
    expect(result.size).toBeGreaterThan(0);
    const decoded = await decodeImage(file, LIMITS);
    expect(meanAbsDiff(decoded.rgb, image.rgb)).toBeLessThanOrEqual(tolerance);
  });

  it('uses the quality setting', async () => {
    const image = await fakeUpscale(rgbImage(), 4);
    const low = await encodeImage(image, options(path.join(dir, 'q', 'low.jpg'), 'jpeg', undefined, { quality: 30 }));
    const high = await encodeImage(image, options(path.join(dir, 'q', 'high.jpg'), 'jpeg', undefined, { quality: 98 }));
    expect(high.size).toBeGreaterThan(low.size);
    await expect(encodeImage(image, options(path.join(dir, 'q', 'bad.jpg'), 'jpeg', undefined, { quality: 0 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it.each(['png', 'tiff'] as const)('keeps 16-bit %s at 16 bits, sample for sample', async (format) => {
    const image = rgbImage(16);
    const file = path.join(dir, `sixteen`, `out.${format}`);
    expect((await encodeImage(image, options(file, format, undefined))).bitDepth).toBe(16);
    expect((await readMetadata(file)).depth).toBe('ushort');
    const stored = await readStoredPixels(file, { bitDepth: 16 });
    expect(maxAbsDiff(stored.data, image.rgb)).toBe(0);
  });

  it('writes 16-bit input as 8-bit where the format has no 16 bits (JPEG)', async () => {
    const image = rgbImage(16);
    const file = path.join(dir, 'sixteen', 'out.jpg');
    expect((await encodeImage(image, options(file, 'jpeg', undefined, { quality: 100 }))).bitDepth).toBe(8);
    const stored = await readStoredPixels(file);
    expect(meanAbsDiff(stored.data, Array.from(image.rgb, (v) => v / 257))).toBeLessThan(2);
  });

  it.each(['png', 'webp', 'avif', 'tiff'] as const)('re-attaches the upscaled alpha plane in %s', async (format) => {
    const source = rgbImage(8, true);
    const up = await fakeUpscale(source, 4);
    const file = path.join(dir, 'alpha', `out.${format}`);
    await encodeImage(up, options(file, format, undefined, { quality: 100 }));
    const meta = await readMetadata(file);
    expect(meta.hasAlpha).toBe(true);
    const { data } = await sharp(file).extractChannel(3).raw().toBuffer({ resolveWithObject: true });
    // The alpha ramp (0 at the left edge, 255 at the right) survives the x4 resample.
    expect(meanAbsDiff(data, up.alpha!)).toBeLessThanOrEqual(format === 'avif' ? 3 : 1);
    expect(data[0]).toBeLessThan(10);
    expect(data[up.width - 1]).toBeGreaterThan(245);
  });

  it('flattens alpha onto white for JPEG, which has no alpha', async () => {
    const image = rgbImage(8, true);
    image.alpha!.fill(0);
    const file = path.join(dir, 'alpha', 'flat.jpg');
    await encodeImage(image, options(file, 'jpeg', undefined, { quality: 100 }));
    const stored = await readStoredPixels(file);
    expect(stored.channels).toBe(3);
    expect(Math.min(...stored.data)).toBeGreaterThan(245);
  });

  it('resizes an alpha plane and an RGB image to any size at 8 and 16 bits, keeping the array type', async () => {
    for (const bitDepth of [8, 16] as const) {
      const max = bitDepth === 16 ? 65535 : 255;
      const plane = bitDepth === 16 ? new Uint16Array(6 * 4).fill(max) : new Uint8Array(6 * 4).fill(max);
      const up = await resizePixels(plane, { width: 6, height: 4 }, 1, { width: 24, height: 16 }, bitDepth);
      expect(up.length).toBe(24 * 16);
      expect(up.constructor).toBe(plane.constructor);
      expect(Math.min(...up)).toBe(max);
      const rgb = bitDepth === 16 ? new Uint16Array(8 * 6 * 3).fill(max) : new Uint8Array(8 * 6 * 3).fill(max);
      const down = await resizePixels(rgb, { width: 8, height: 6 }, 3, { width: 5, height: 3 }, bitDepth);
      expect(down.length).toBe(5 * 3 * 3);
      expect(down.constructor).toBe(rgb.constructor);
      // libvips' 16-bit RGB resample rounds a flat white to 65519 (0.02 %), far below a visible step.
      expect(Math.min(...down)).toBeGreaterThanOrEqual(Math.floor(max * 0.999));
    }
    await expect(resizePixels(new Uint8Array(10), { width: 6, height: 4 }, 1, { width: 24, height: 16 }, 8)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses sizes a codec cannot hold before doing any work', async () => {
    // 16384 x 1 is over WebP's 16383 px limit; the buffer is tiny, so this costs nothing.
    const wide: RgbImage = { width: 16_384, height: 1, bitDepth: 8, rgb: new Uint8Array(16_384 * 3) };
    const folder = path.join(dir, 'too wide');
    const error = await rejection<AppError>(encodeImage(wide, options(path.join(folder, 'x.webp'), 'webp', undefined)));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('16383');
    await encodeImage(wide, options(path.join(folder, 'x.png'), 'png', undefined));
    expect(await readdir(folder)).toEqual(['x.png']);
  });

  it('rejects buffers that do not match the stated size or depth', async () => {
    const image = rgbImage();
    const file = path.join(dir, 'invalid', 'x.png');
    await expect(encodeImage({ ...image, width: W + 1 }, options(file, 'png', undefined))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(encodeImage({ ...image, bitDepth: 16 }, options(file, 'png', undefined))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('encodeImage: orientation, colour profile, metadata', () => {
  const EXIF = {
    IFD0: { Make: 'Canon', Model: 'EOS R5', Artist: 'Jane Doe (photographer)', Copyright: 'CC0 1.0', ImageDescription: 'A cat', Software: 'Camera firmware 1.2' },
    IFD2: { DateTimeOriginal: '2024:05:06 07:08:09', ExposureTime: '1/125', FNumber: '28/10', ISOSpeedRatings: '400', FocalLength: '50/1' },
    IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 1234/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3000/100' },
  };
  let source: DecodedImage;
  let sourceFile: string;
  beforeAll(async () => {
    // A portrait photo stored landscape (orientation 6), in Display P3, with camera EXIF and an XMP packet.
    const srgb = new Uint8Array(W * H * 3).map((_, i) => [200, 100, 50][i % 3]!);
    sourceFile = await writeTestImage(path.join(dir, 'camera', 'IMG 0001 ü.png'), {
      width: W, height: H, format: 'png', icc: 'p3', orientation: 6, exif: EXIF, pixels: srgb,
      xmp: xmpPacket({ 'dc:format': 'image/png', 'tiff:Orientation': '6', 'exif:PixelXDimension': String(W), 'xmp:CreatorTool': 'Camera firmware 1.2', 'photoshop:City': 'Zürich' }),
    });
    source = await decodeImage(sourceFile, LIMITS);
  });

  it.each(['png', 'jpeg', 'webp', 'avif'] as const)('%s: orientation reset, new dimensions in EXIF and XMP, camera tags and provenance carried', async (format) => {
    const up = await fakeUpscale(source, 4);
    const file = path.join(dir, 'meta', `out.${format}`);
    await encodeImage(up, options(file, format, source.source, { quality: 95 }));
    const meta = await readMetadata(file);
    // Pixels are already upright: portrait, 4x, and nothing asks a viewer to rotate again.
    expect([meta.autoOrient.width, meta.autoOrient.height]).toEqual([H * 4, W * 4]);
    expect([meta.width, meta.height]).toEqual([H * 4, W * 4]);
    const exif = parseExif(meta.exif!)!;
    expect(exifOrientation(exif)).toBe(1);
    expect(exifPixelDimensions(exif)).toEqual({ width: H * 4, height: W * 4 });
    const carried = carriedExifFields(meta.exif!);
    expect(carried.IFD0).toMatchObject({ Make: 'Canon', Model: 'EOS R5', Artist: 'Jane Doe (photographer)', Copyright: 'CC0 1.0', ImageDescription: 'A cat' });
    expect(carried.IFD0?.Software).toBe('TinySR Studio 0.1.0 (tinysr-x4, x4)');
    expect(carried.IFD2).toMatchObject({ DateTimeOriginal: '2024:05:06 07:08:09', ExposureTime: '1/125', FNumber: '28/10', ISOSpeedRatings: '400', FocalLength: '50/1' });
    expect(carried.IFD3).toMatchObject({ GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 1234/100', GPSLongitude: '0/1 7/1 3000/100' });
    const xmp = meta.xmp!.toString('utf8');
    expect(readXmpProperty(xmp, 'tiff:Orientation')).toBe('1');
    expect(readXmpProperty(xmp, 'exif:PixelXDimension')).toBe(String(H * 4));
    expect(readXmpProperty(xmp, 'photoshop:City')).toBe('Zürich');
    expect(readXmpProperty(xmp, 'xmp:CreatorTool')).toBe('TinySR Studio 0.1.0');
    expect(readXmpProperty(xmp, 'tinysr:Model')).toBe('tinysr-x4');
    expect(readXmpProperty(xmp, 'tinysr:Scale')).toBe('4');
  });

  it('tiff: carries XMP, provenance and the profile (libvips writes no EXIF into TIFF)', async () => {
    const file = path.join(dir, 'meta', 'out.tif');
    await encodeImage(await fakeUpscale(source, 4), options(file, 'tiff', source.source));
    const meta = await readMetadata(file);
    expect([meta.width, meta.height]).toEqual([H * 4, W * 4]);
    expect(meta.orientation ?? 1).toBe(1);
    expect(meta.exif).toBeUndefined();
    expect(readXmpProperty(meta.xmp!.toString('utf8'), 'tinysr:Model')).toBe('tinysr-x4');
    expect(meta.icc?.equals(source.source.icc!)).toBe(true);
  });

  it("embeds the source's P3 profile with pixels converted back to P3 ('source')", async () => {
    const file = path.join(dir, 'icc', 'p3.png');
    await encodeImage(await fakeUpscale(source, 4), options(file, 'png', source.source));
    const meta = await readMetadata(file);
    expect(meta.icc?.equals(source.source.icc!)).toBe(true);
    const stored = await readStoredPixels(file);
    const sourceStored = await readStoredPixels(sourceFile);
    // Same P3 numbers as the source file holds (a flat colour survives the resize unchanged).
    expect(maxAbsDiff(stored.data.subarray(0, 3), sourceStored.data.subarray(0, 3))).toBeLessThanOrEqual(1);
  });

  it("writes sRGB pixels with the sRGB profile when asked ('srgb')", async () => {
    const file = path.join(dir, 'icc', 'srgb.png');
    await encodeImage(await fakeUpscale(source, 4), options(file, 'png', source.source, { colorProfile: 'srgb' }));
    const meta = await readMetadata(file);
    expect(readIccSummary(meta.icc!)?.description).toMatch(/sRGB/i);
    expect(parseExif(meta.exif!)!.exif.get(0xa001)?.value).toEqual([1]);
    const stored = await readStoredPixels(file);
    expect(maxAbsDiff(stored.data.subarray(0, 3), [200, 100, 50])).toBeLessThanOrEqual(1);
  });

  it('decodes a CMYK JPEG to RGB and writes sRGB, since a CMYK profile cannot hold RGB output', async () => {
    const file = path.join(dir, 'cmyk', 'print.jpg');
    await writeTestImage(file.replace('.jpg', '.png'), { width: W, height: H, format: 'png' });
    await sharp(file.replace('.jpg', '.png')).withIccProfile('cmyk').jpeg({ quality: 95 }).toFile(file);
    expect((await readMetadata(file)).space).toBe('cmyk');
    const cmyk = await decodeImage(file, LIMITS);
    expect(cmyk.rgb.length).toBe(W * H * 3);
    expect(cmyk.source.iccColourSpace).toBe('CMYK');
    // Through the embedded CMYK profile to sRGB (the pattern's saturated colours lie outside the CMYK gamut, hence
    // the loose bound against the original; the exact reference is libvips' own CMYK -> sRGB conversion).
    expect(maxAbsDiff(cmyk.rgb, await sharp(file).toColourspace('srgb').raw().toBuffer())).toBeLessThanOrEqual(1);
    expect(meanAbsDiff(cmyk.rgb, testPattern(W, H))).toBeLessThan(25);
    const out = path.join(dir, 'cmyk', 'out.png');
    await encodeImage(cmyk, options(out, 'png', cmyk.source));
    expect(readIccSummary((await readMetadata(out)).icc!)).toMatchObject({ colourSpace: 'RGB', description: expect.stringMatching(/sRGB/i) });
  });

  it("strips the source's metadata but keeps the provenance ('strip')", async () => {
    const file = path.join(dir, 'meta', 'stripped.jpg');
    await encodeImage(await fakeUpscale(source, 4), options(file, 'jpeg', source.source, { metadata: 'strip' }));
    const meta = await readMetadata(file);
    const carried = carriedExifFields(meta.exif!);
    expect(carried.IFD0).toEqual({ Software: 'TinySR Studio 0.1.0 (tinysr-x4, x4)' });
    expect(carried.IFD2).toBeUndefined();
    // Only what describes the output itself, such as its colour space (P3 here, so 65535: "see the ICC profile").
    expect(parseExif(meta.exif!)!.exif.get(0xa001)?.value).toEqual([65535]);
    expect(carried.IFD3).toBeUndefined();
    const xmp = meta.xmp!.toString('utf8');
    expect(readXmpProperty(xmp, 'photoshop:City')).toBeUndefined();
    expect(readXmpProperty(xmp, 'tinysr:Model')).toBe('tinysr-x4');
  });

  it('carries every tag in CARRIED_TAGS with its value', async () => {
    const sample: Record<'IFD0' | 'IFD2' | 'IFD3', Record<string, string>> = {
      IFD0: {
        ImageDescription: 'A cat', Make: 'Canon', Model: 'EOS R5', Software: 'fw 1.0', DateTime: '2024:05:06 07:08:09', Artist: 'Jane',
        Copyright: 'CC0', XPTitle: 'Titel', XPComment: 'Kommentar', XPAuthor: 'Jane', XPKeywords: 'cat;pet', XPSubject: 'Thema',
      },
      IFD2: {
        ExposureTime: '1/125', FNumber: '28/10', ExposureProgram: '2', ISOSpeedRatings: '400', DateTimeOriginal: '2024:05:06 07:08:09',
        DateTimeDigitized: '2024:05:06 07:08:10', OffsetTime: '+02:00', OffsetTimeOriginal: '+02:00', OffsetTimeDigitized: '+02:00',
        ShutterSpeedValue: '6965784/1000000', ApertureValue: '297/100', BrightnessValue: '-33/100', ExposureBiasValue: '-1/3',
        MaxApertureValue: '297/100', SubjectDistance: '5/2', MeteringMode: '5', LightSource: '4', Flash: '16', FocalLength: '50/1',
        UserComment: 'A comment', SubsecTime: '12', SubSecTimeOriginal: '34', SubSecTimeDigitized: '56',
        FocalPlaneXResolution: '5000/1', FocalPlaneYResolution: '5000/1', FocalPlaneResolutionUnit: '3', SensingMethod: '2',
        CustomRendered: '1', ExposureMode: '1', WhiteBalance: '1', DigitalZoomRatio: '3/2', FocalLengthIn35mmFilm: '50',
        SceneCaptureType: '2', GainControl: '1', Contrast: '1', Saturation: '2', Sharpness: '1', SubjectDistanceRange: '2',
        CameraOwnerName: 'Jane', BodySerialNumber: '012345', LensSpecification: '24/1 70/1 28/10 28/10', LensMake: 'Canon',
        LensModel: 'RF24-70mm F2.8', LensSerialNumber: '9876',
      },
      IFD3: {
        GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 1234/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3000/100',
        GPSAltitude: '1234/10', GPSTimeStamp: '10/1 20/1 30/1', GPSSatellites: '5', GPSStatus: 'A', GPSMeasureMode: '3',
        GPSDOP: '12/10', GPSSpeedRef: 'K', GPSSpeed: '7/2', GPSTrackRef: 'T', GPSTrack: '90/1', GPSImgDirectionRef: 'M',
        GPSImgDirection: '180/1', GPSMapDatum: 'WGS-84', GPSDestLatitudeRef: 'S', GPSDestLatitude: '1/1 2/1 3/1',
        GPSDestLongitudeRef: 'E', GPSDestLongitude: '4/1 5/1 6/1', GPSDestBearingRef: 'T', GPSDestBearing: '45/1',
        GPSDestDistanceRef: 'K', GPSDestDistance: '10/1', GPSDateStamp: '2024:05:06', GPSDifferential: '1',
      },
    };
    for (const ifd of ['IFD0', 'IFD2', 'IFD3'] as const) expect(Object.keys(sample[ifd]).sort()).toEqual([...CARRIED_TAGS[ifd].values()].sort());
    const file = await writeTestImage(path.join(dir, 'all-tags', 'src.jpg'), { width: 16, height: 16, format: 'jpeg', exif: sample });
    const decoded = await decodeImage(file, LIMITS);
    // Every sample tag made it into the source, so the round trip below is not vacuous.
    expect(carriedExifFields(decoded.source.exif!)).toEqual(sample);
    const out = path.join(dir, 'all-tags', 'out.jpg');
    await encodeImage(decoded, options(out, 'jpeg', decoded.source, { provenance: undefined }));
    expect(carriedExifFields((await readMetadata(out)).exif!)).toEqual(sample);
  });
});

describe('atomic writes and the overwrite policy', () => {
  const image = rgbImage();

  async function listing(folder: string): Promise<string[]> {
    return (await readdir(folder)).sort();
  }

  it('removes the temp files a killed writer left for one output, and only those', async () => {
    // An engine killed mid-write cannot clean up; its job's owner calls removeLeftoverTemps (the CI flake that showed it).
    const folder = path.join(dir, 'killed writer');
    const file = path.join(folder, 'a_model_x4.png');
    let tempName = '';
    await writeFileAtomically(file, { overwrite: false }, async (temp) => {
      tempName = path.basename(temp);
      await writeFile(temp, 'a whole image');
    });
    expect(tempName.startsWith('.tinysr-a_model_x4.png.')).toBe(true); // temp names carry their target's name
    const leftover = path.join(folder, '.tinysr-a_model_x4.png.0123456789ab.tmp.png');
    await writeFile(leftover, 'half an image'); // what a SIGKILL leaves: the finally never ran
    await writeFile(path.join(folder, '.tinysr-b_model_x4.png.0123456789ab.tmp.png'), 'another job');
    await writeFile(path.join(folder, 'a_model_x4.png.keep'), 'not ours');
    await removeLeftoverTemps(file);
    expect(await listing(folder)).toEqual(['.tinysr-b_model_x4.png.0123456789ab.tmp.png', 'a_model_x4.png', 'a_model_x4.png.keep']);
    await removeLeftoverTemps(path.join(dir, 'no such folder', 'x.png')); // nothing written: nothing to do
  });

  it('never replaces an existing file unless asked, and leaves no temp file either way', async () => {
    const folder = path.join(dir, 'overwrite policy');
    const file = path.join(folder, 'photo_tinysr-x4_x4.png');
    await encodeImage(image, options(file, 'png', undefined));
    const first = await readFile(file);
    const other = { ...image, rgb: image.rgb.map((v) => 255 - v) };
    const error = await rejection<AppError>(encodeImage(other, options(file, 'png', undefined)));
    expect(error.code).toBe('OUTPUT_EXISTS');
    expect(error.message).toContain(file);
    expect((await readFile(file)).equals(first)).toBe(true);
    await encodeImage(other, options(file, 'png', undefined, { overwrite: true }));
    expect((await readFile(file)).equals(first)).toBe(false);
    expect(await listing(folder)).toEqual(['photo_tinysr-x4_x4.png']);
  });

  it('does not clobber a file that appeared at the target while encoding (another process, a second job)', async () => {
    const folder = path.join(dir, 'race');
    const file = path.join(folder, 'out.png');
    const error = await rejection<AppError>(
      writeFileAtomically(file, { overwrite: false }, async (temp) => {
        await writeFile(temp, 'ours');
        await writeFile(file, 'theirs');
      }),
    );
    expect(error.code).toBe('OUTPUT_EXISTS');
    expect(await readFile(file, 'utf8')).toBe('theirs');
    expect(await listing(folder)).toEqual(['out.png']);
  });

  it('removes the temp file when the write fails, and writes nothing at the target', async () => {
    const folder = path.join(dir, 'failing write');
    const file = path.join(folder, 'out.png');
    const failure = rejection<AppError>(
      writeFileAtomically(file, { overwrite: false }, async (temp) => {
        expect(path.dirname(temp)).toBe(folder);
        expect(path.basename(temp).startsWith('.')).toBe(true);
        await writeFile(temp, 'half an image');
        throw Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
      }),
    );
    expect((await failure).code).toBe('OUTPUT_NOT_WRITABLE');
    expect(await listing(folder)).toEqual([]);
  });

  it('aborting before the rename leaves nothing behind', async () => {
    const folder = path.join(dir, 'aborted write');
    const controller = new AbortController();
    const error = await rejection<AppError>(
      writeFileAtomically(path.join(folder, 'out.png'), { overwrite: false, signal: controller.signal }, async (temp) => {
        await writeFile(temp, 'complete, but the user cancelled meanwhile');
        controller.abort();
      }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(await listing(folder)).toEqual([]);
    const aborted = new AbortController();
    aborted.abort();
    const encodeError = await rejection<AppError>(encodeImage(image, options(path.join(folder, 'out2.png'), 'png', undefined, { signal: aborted.signal })));
    expect(encodeError.code).toBe('CANCELLED');
    expect(await listing(folder)).toEqual([]);
  });

  it('reports an unwritable output folder as OUTPUT_NOT_WRITABLE naming the folder, before and during the write', async () => {
    const folder = await unwritableFolder(dir);
    const file = path.join(folder, 'out.png');
    const early = await rejection<AppError>(assertOutputWritable(file, { overwrite: false }));
    expect(early.code).toBe('OUTPUT_NOT_WRITABLE');
    expect(early.message).toContain(folder);
    const late = await rejection<AppError>(encodeImage(image, options(file, 'png', undefined)));
    expect(late.code).toBe('OUTPUT_NOT_WRITABLE');
    expect(late.message).toContain(folder);
  });

  it('reports a really read-only folder (chmod, or chattr +i for root) as OUTPUT_NOT_WRITABLE and leaves it empty', async (context) => {
    const readOnly = await readOnlyFolder(dir);
    if (readOnly === undefined) return context.skip('neither chmod nor chattr can make a read-only folder here');
    try {
      const file = path.join(readOnly.folder, 'out.png');
      const early = await rejection<AppError>(assertOutputWritable(file, { overwrite: false }));
      expect(early.code).toBe('OUTPUT_NOT_WRITABLE');
      expect(early.message).toContain(readOnly.folder);
      expect((await rejection<AppError>(encodeImage(image, options(file, 'png', undefined)))).code).toBe('OUTPUT_NOT_WRITABLE');
      expect(await listing(readOnly.folder)).toEqual([]);
    } finally {
      await readOnly.release();
    }
  });

  it('assertOutputWritable reports an existing output early and creates a missing folder', async () => {
    const folder = path.join(dir, 'early check', 'nested new folder');
    const file = path.join(folder, 'out.png');
    await assertOutputWritable(file, { overwrite: false });
    expect(await listing(folder)).toEqual([]);
    await encodeImage(image, options(file, 'png', undefined));
    expect((await rejection<AppError>(assertOutputWritable(file, { overwrite: false }))).code).toBe('OUTPUT_EXISTS');
    await assertOutputWritable(file, { overwrite: true });
  });

  it('writes into folders and names with spaces and non-ASCII characters', async () => {
    const file = path.join(dir, 'Ergebnisse ü', 'фото 写真 x4.webp');
    await encodeImage(image, options(file, 'webp', undefined));
    expect((await readMetadata(file)).format).toBe('webp');
  });
});
