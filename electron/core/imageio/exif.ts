// EXIF carry-over. sharp cannot attach a raw EXIF block to an image built from raw pixels; it can only set EXIF
// fields by name (`withExif`, IFD -> tag name -> string), which libvips/libexif re-serialise. So we parse the source's
// EXIF (a TIFF structure) here and turn every tag that libvips can re-create into that string form.
//
// What is carried: the tags in CARRIED_TAGS (camera, lens, exposure, dates, authorship, GPS). What is not, and why:
// - ColorSpace: describes the output's pixels, so the encoder sets it (1 = sRGB, 65535 = uncalibrated: see the ICC).
// - Orientation, PixelXDimension/PixelYDimension, X/YResolution and ResolutionUnit: libvips writes them from the output
//   image itself (orientation 1, the new size, the density we set).
// - The IFD1 thumbnail: it shows the old, low-resolution image.
// - MakerNote and other UNDEFINED-typed blobs, tags with 10+ values, unknown/private tags: libvips cannot re-create them.
// - BYTE-typed tags (GPSVersionID, GPSAltitudeRef): libvips cannot set their value, only a default; so an altitude
//   below sea level (GPSAltitudeRef 1) drops GPSAltitude rather than flip its sign.
// - Non-ASCII characters in ASCII tags are transliterated by libvips (EXIF ASCII is 7-bit; XMP keeps the Unicode).
// Pure: bytes in, field map out.
//
// May import: nothing.

/** sharp's `withExif` argument: IFD0 = main image, IFD2 = Exif sub-IFD, IFD3 = GPS (libexif's numbering). */
export interface ExifFields {
  IFD0?: Record<string, string>;
  IFD2?: Record<string, string>;
  IFD3?: Record<string, string>;
}
type IfdKey = keyof ExifFields;

/** Tag id -> libexif tag name, per IFD: the tags libvips re-creates faithfully from a string (checked by a test). */
export const CARRIED_TAGS: Readonly<Record<IfdKey, ReadonlyMap<number, string>>> = {
  IFD0: new Map([
    [0x010e, 'ImageDescription'], [0x010f, 'Make'], [0x0110, 'Model'], [0x0131, 'Software'], [0x0132, 'DateTime'],
    [0x013b, 'Artist'], [0x8298, 'Copyright'],
    [0x9c9b, 'XPTitle'], [0x9c9c, 'XPComment'], [0x9c9d, 'XPAuthor'], [0x9c9e, 'XPKeywords'], [0x9c9f, 'XPSubject'],
  ]),
  IFD2: new Map([
    [0x829a, 'ExposureTime'], [0x829d, 'FNumber'], [0x8822, 'ExposureProgram'], [0x8827, 'ISOSpeedRatings'],
    [0x9003, 'DateTimeOriginal'], [0x9004, 'DateTimeDigitized'], [0x9010, 'OffsetTime'], [0x9011, 'OffsetTimeOriginal'],
    [0x9012, 'OffsetTimeDigitized'], [0x9201, 'ShutterSpeedValue'], [0x9202, 'ApertureValue'], [0x9203, 'BrightnessValue'],
    [0x9204, 'ExposureBiasValue'], [0x9205, 'MaxApertureValue'], [0x9206, 'SubjectDistance'], [0x9207, 'MeteringMode'],
    [0x9208, 'LightSource'], [0x9209, 'Flash'], [0x920a, 'FocalLength'], [0x9286, 'UserComment'], [0x9290, 'SubsecTime'], // sic: libexif's spelling
    [0x9291, 'SubSecTimeOriginal'], [0x9292, 'SubSecTimeDigitized'], [0xa20e, 'FocalPlaneXResolution'],
    [0xa20f, 'FocalPlaneYResolution'], [0xa210, 'FocalPlaneResolutionUnit'], [0xa217, 'SensingMethod'], [0xa401, 'CustomRendered'],
    [0xa402, 'ExposureMode'], [0xa403, 'WhiteBalance'], [0xa404, 'DigitalZoomRatio'], [0xa405, 'FocalLengthIn35mmFilm'],
    [0xa406, 'SceneCaptureType'], [0xa407, 'GainControl'], [0xa408, 'Contrast'], [0xa409, 'Saturation'], [0xa40a, 'Sharpness'],
    [0xa40c, 'SubjectDistanceRange'], [0xa430, 'CameraOwnerName'], [0xa431, 'BodySerialNumber'], [0xa432, 'LensSpecification'],
    [0xa433, 'LensMake'], [0xa434, 'LensModel'], [0xa435, 'LensSerialNumber'],
  ]),
  IFD3: new Map([
    [0x0001, 'GPSLatitudeRef'], [0x0002, 'GPSLatitude'], [0x0003, 'GPSLongitudeRef'],
    [0x0004, 'GPSLongitude'], [0x0006, 'GPSAltitude'], [0x0007, 'GPSTimeStamp'],
    [0x0008, 'GPSSatellites'], [0x0009, 'GPSStatus'], [0x000a, 'GPSMeasureMode'], [0x000b, 'GPSDOP'], [0x000c, 'GPSSpeedRef'],
    [0x000d, 'GPSSpeed'], [0x000e, 'GPSTrackRef'], [0x000f, 'GPSTrack'], [0x0010, 'GPSImgDirectionRef'],
    [0x0011, 'GPSImgDirection'], [0x0012, 'GPSMapDatum'], [0x0013, 'GPSDestLatitudeRef'], [0x0014, 'GPSDestLatitude'],
    [0x0015, 'GPSDestLongitudeRef'], [0x0016, 'GPSDestLongitude'], [0x0017, 'GPSDestBearingRef'], [0x0018, 'GPSDestBearing'],
    [0x0019, 'GPSDestDistanceRef'], [0x001a, 'GPSDestDistance'], [0x001d, 'GPSDateStamp'], [0x001e, 'GPSDifferential'],
  ]),
};

const EXIF_IFD_POINTER = 0x8769;
const GPS_IFD_POINTER = 0x8825;
const ORIENTATION = 0x0112;
const PIXEL_X_DIMENSION = 0xa002;
const PIXEL_Y_DIMENSION = 0xa003;
const GPS_ALTITUDE_REF = 0x0005;
/** libvips skips numeric tags with this many values or more (see its vips_exif_from_s). */
const MAX_NUMERIC_VALUES = 10;
const TYPE_SIZES: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

/** One decoded EXIF entry, numbers as numbers (rationals as [numerator, denominator]). */
export interface ExifEntry {
  tag: number;
  type: number;
  count: number;
  value: string | number[] | Array<[number, number]> | Uint8Array;
}

/** A parsed EXIF block: entries per IFD (IFD0, Exif sub-IFD, GPS), keyed by tag id. */
export interface ParsedExif {
  littleEndian: boolean;
  ifd0: Map<number, ExifEntry>;
  exif: Map<number, ExifEntry>;
  gps: Map<number, ExifEntry>;
  /** Whether an IFD1 (thumbnail) follows IFD0. */
  hasThumbnail: boolean;
}

/** Parses an EXIF block (with or without the "Exif\0\0" header). Returns undefined for anything malformed. */
export function parseExif(block: Uint8Array): ParsedExif | undefined {
  const start = startsWithExifHeader(block) ? 6 : 0;
  const tiff = block.subarray(start);
  if (tiff.length < 8) return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = String.fromCharCode(tiff[0] ?? 0, tiff[1] ?? 0);
  if (order !== 'II' && order !== 'MM') return undefined;
  const le = order === 'II';
  if (view.getUint16(2, le) !== 42) return undefined;
  try {
    const ifd0 = readIfd(view, view.getUint32(4, le), le);
    const sub = (pointer: number): Map<number, ExifEntry> => {
      const entry = ifd0.entries.get(pointer);
      const offset = Array.isArray(entry?.value) ? entry.value[0] : undefined;
      return typeof offset === 'number' ? readIfd(view, offset, le).entries : new Map();
    };
    return { littleEndian: le, ifd0: ifd0.entries, exif: sub(EXIF_IFD_POINTER), gps: sub(GPS_IFD_POINTER), hasThumbnail: ifd0.next !== 0 };
  } catch {
    return undefined;
  }
}

/** The EXIF orientation (1..8) a block declares, or undefined. */
export function exifOrientation(parsed: ParsedExif): number | undefined {
  const value = parsed.ifd0.get(ORIENTATION)?.value;
  return Array.isArray(value) && typeof value[0] === 'number' ? value[0] : undefined;
}

/** The output's pixel dimensions as its EXIF says (PixelXDimension, PixelYDimension), or undefined. */
export function exifPixelDimensions(parsed: ParsedExif): { width: number; height: number } | undefined {
  const first = (tag: number): number | undefined => {
    const value = parsed.exif.get(tag)?.value;
    return Array.isArray(value) && typeof value[0] === 'number' ? value[0] : undefined;
  };
  const width = first(PIXEL_X_DIMENSION);
  const height = first(PIXEL_Y_DIMENSION);
  return width === undefined || height === undefined ? undefined : { width, height };
}

/** The fields of `block` that libvips can re-create, in sharp's `withExif` form. Empty when nothing is carried. */
export function carriedExifFields(block: Uint8Array): ExifFields {
  const parsed = parseExif(block);
  if (parsed === undefined) return {};
  const fields: ExifFields = {};
  const add = (ifd: IfdKey, entries: Map<number, ExifEntry>): void => {
    const names = CARRIED_TAGS[ifd];
    const out: Record<string, string> = {};
    for (const [tag, entry] of entries) {
      const name = names.get(tag);
      const text = name === undefined ? undefined : entryToLibvipsString(entry);
      if (name !== undefined && text !== undefined) out[name] = text;
    }
    if (Object.keys(out).length > 0) fields[ifd] = out;
  };
  add('IFD0', parsed.ifd0);
  add('IFD2', parsed.exif);
  add('IFD3', parsed.gps);
  const altitudeRef = parsed.gps.get(GPS_ALTITUDE_REF)?.value;
  if (Array.isArray(altitudeRef) && altitudeRef[0] === 1 && fields.IFD3 !== undefined) {
    delete fields.IFD3.GPSAltitude;
    if (Object.keys(fields.IFD3).length === 0) delete fields.IFD3;
  }
  return fields;
}

/**
 * `fields` ready for sharp's withExif. libvips strips a trailing " (...)" from every value it writes, taking it for
 * the annotation its own reader appends ("400 (400, Short, 1 components, 2 bytes)"), which would truncate a value
 * such as "Jane Doe (photographer)". An empty annotation of our own is what it strips instead; numbers parse as before.
 */
export function forLibvips(fields: ExifFields): ExifFields {
  const out: ExifFields = {};
  for (const ifd of ['IFD0', 'IFD2', 'IFD3'] as const) {
    const entries = fields[ifd];
    if (entries !== undefined) out[ifd] = Object.fromEntries(Object.entries(entries).map(([name, value]) => [name, `${value} ()`]));
  }
  return out;
}

/** libvips' string form of an entry (see its vips_exif_to_s): "1 2 3" for integers, "n/d n/d" for rationals, text for strings. */
function entryToLibvipsString(entry: ExifEntry): string | undefined {
  const { type, tag } = entry;
  const isXpText = tag >= 0x9c9b && tag <= 0x9c9f;
  const value = isXpText && Array.isArray(entry.value) ? Uint8Array.from(entry.value as number[]) : entry.value;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) {
    // UNDEFINED / BYTE blobs: only UserComment (ASCII-tagged) and the Windows XP UTF-16LE strings mean something as text.
    if (tag === 0x9286) return userCommentText(value);
    if (isXpText) return utf16leText(value);
    return undefined;
  }
  if (value.length === 0 || value.length >= MAX_NUMERIC_VALUES) return undefined;
  if (type === 5 || type === 10) return (value as Array<[number, number]>).map(([n, d]) => `${n}/${d}`).join(' ');
  return (value as number[]).join(' ');
}

function userCommentText(bytes: Uint8Array): string | undefined {
  const header = String.fromCharCode(...bytes.subarray(0, 8));
  const body = bytes.subarray(8);
  let text: string;
  if (header.startsWith('ASCII')) text = String.fromCharCode(...body);
  else if (header.startsWith('UNICODE')) text = new TextDecoder('utf-16be').decode(body);
  else return undefined;
  // eslint-disable-next-line no-control-regex
  text = text.replace(/\u0000+$/, '').trim();
  return text === '' ? undefined : text;
}

function utf16leText(bytes: Uint8Array): string | undefined {
  // eslint-disable-next-line no-control-regex
  const text = new TextDecoder('utf-16le').decode(bytes).replace(/\u0000+$/, '');
  return text === '' ? undefined : text;
}

function startsWithExifHeader(block: Uint8Array): boolean {
  return block.length >= 6 && String.fromCharCode(...block.subarray(0, 4)) === 'Exif' && block[4] === 0 && block[5] === 0;
}

function readIfd(view: DataView, offset: number, le: boolean): { entries: Map<number, ExifEntry>; next: number } {
  const count = view.getUint16(offset, le);
  const entries = new Map<number, ExifEntry>();
  for (let i = 0; i < count; i++) {
    const at = offset + 2 + i * 12;
    const tag = view.getUint16(at, le);
    const type = view.getUint16(at + 2, le);
    const n = view.getUint32(at + 4, le);
    const size = TYPE_SIZES[type];
    if (size === undefined) continue;
    const bytes = size * n;
    const dataAt = bytes <= 4 ? at + 8 : view.getUint32(at + 8, le);
    if (dataAt + bytes > view.byteLength) continue;
    entries.set(tag, { tag, type, count: n, value: readValue(view, dataAt, type, n, le) });
  }
  const nextAt = offset + 2 + count * 12;
  const next = nextAt + 4 <= view.byteLength ? view.getUint32(nextAt, le) : 0;
  return { entries, next };
}

function readValue(view: DataView, at: number, type: number, n: number, le: boolean): ExifEntry['value'] {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + at, TYPE_SIZES[type]! * n);
  const numbers = (size: number, read: (o: number) => number): number[] => Array.from({ length: n }, (_, i) => read(at + i * size));
  switch (type) {
    case 2: // ASCII, NUL-terminated; decoded as UTF-8 when valid (many cameras write UTF-8 despite the spec)
      return decodeText(bytes);
    case 3: return numbers(2, (o) => view.getUint16(o, le));
    case 4: return numbers(4, (o) => view.getUint32(o, le));
    case 8: return numbers(2, (o) => view.getInt16(o, le));
    case 9: return numbers(4, (o) => view.getInt32(o, le));
    case 5: return Array.from({ length: n }, (_, i): [number, number] => [view.getUint32(at + i * 8, le), view.getUint32(at + i * 8 + 4, le)]);
    case 10: return Array.from({ length: n }, (_, i): [number, number] => [view.getInt32(at + i * 8, le), view.getInt32(at + i * 8 + 4, le)]);
    case 1: // BYTE: numbers, except the XP* tags (UTF-16LE text) which are handled as blobs
    case 6:
    case 7:
    default:
      return type === 1 && n < MAX_NUMERIC_VALUES ? Array.from(bytes) : bytes.slice();
  }
}

function decodeText(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  const body = end === -1 ? bytes : bytes.subarray(0, end);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body).trim();
  } catch {
    return new TextDecoder('latin1').decode(body).trim();
  }
}
