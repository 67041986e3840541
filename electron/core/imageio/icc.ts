// Reads the two facts we need from an ICC profile's bytes: its colour space (can we convert RGB back into it?) and
// its human-readable description (for the UI and logs). Pure: parses the ICC header and tag table (ICC.1 v2 `desc`
// and v4 `mluc` text types).
//
// May import: nothing.

export interface IccSummary {
  /** The data colour space signature from the header, trimmed: 'RGB', 'GRAY', 'CMYK', ... */
  colourSpace: string;
  description?: string | undefined;
}

const HEADER_BYTES = 128;

export function readIccSummary(icc: Uint8Array): IccSummary | undefined {
  if (icc.length < HEADER_BYTES + 4) return undefined;
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const text = (offset: number, length: number): string => String.fromCharCode(...icc.subarray(offset, offset + length));
  if (text(36, 4) !== 'acsp') return undefined;
  const colourSpace = text(16, 4).trim();
  const tagCount = view.getUint32(HEADER_BYTES);
  for (let i = 0; i < tagCount; i++) {
    const entry = HEADER_BYTES + 4 + i * 12;
    if (entry + 12 > icc.length) break;
    if (text(entry, 4) !== 'desc') continue;
    return { colourSpace, description: readDescription(icc, view, view.getUint32(entry + 4), view.getUint32(entry + 8)) };
  }
  return { colourSpace };
}

function readDescription(icc: Uint8Array, view: DataView, offset: number, size: number): string | undefined {
  if (offset + size > icc.length || size < 12) return undefined;
  const type = String.fromCharCode(...icc.subarray(offset, offset + 4));
  if (type === 'desc') {
    // textDescriptionType: ASCII count (incl. NUL) then the ASCII text.
    const count = view.getUint32(offset + 8);
    const start = offset + 12;
    return clean(new TextDecoder('latin1').decode(icc.subarray(start, Math.min(start + count, offset + size))));
  }
  if (type === 'mluc') {
    // multiLocalizedUnicodeType: records of (language, country, length, offset); take the first, UTF-16BE.
    const records = view.getUint32(offset + 8);
    if (records === 0 || offset + 28 > icc.length) return undefined;
    const length = view.getUint32(offset + 20);
    const start = offset + view.getUint32(offset + 24);
    const end = Math.min(start + length, offset + size);
    let result = '';
    for (let p = start; p + 1 < end; p += 2) result += String.fromCharCode(view.getUint16(p));
    return clean(result);
  }
  return undefined;
}

function clean(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const trimmed = value.replace(/\u0000.*$/s, '').trim();
  return trimmed === '' ? undefined : trimmed;
}
