// XMP carry-over: the source's XMP packet with its size and orientation properties brought up to date (the pixels
// are already oriented and now bigger), plus our provenance (xmp:CreatorTool, tinysr:Model, tinysr:Scale). Textual
// edits of the few properties we own, so everything else in the packet survives byte for byte. Pure.
//
// May import: ./types.

import type { Provenance } from './types.js';

/** Namespace of our own provenance properties. */
export const TINYSR_XMP_NAMESPACE = 'https://tinysr.studio/ns/xmp/1.0/';

const RDF_NAMESPACE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

export interface XmpUpdate {
  width: number;
  height: number;
  provenance?: Provenance | undefined;
}

/**
 * The packet to write: `source` updated (orientation 1, new pixel size, provenance), or a fresh packet carrying only
 * the provenance when there is no source packet. Undefined when there is nothing to write.
 */
export function updatedXmp(source: string | undefined, update: XmpUpdate): string | undefined {
  if (source === undefined || !source.includes('</rdf:RDF>')) {
    return update.provenance === undefined ? undefined : freshPacket(provenanceDescription(update.provenance));
  }
  let xmp = source;
  xmp = setProperty(xmp, 'tiff:Orientation', '1');
  xmp = setProperty(xmp, 'tiff:ImageWidth', String(update.width));
  xmp = setProperty(xmp, 'tiff:ImageLength', String(update.height));
  xmp = setProperty(xmp, 'exif:PixelXDimension', String(update.width));
  xmp = setProperty(xmp, 'exif:PixelYDimension', String(update.height));
  if (update.provenance !== undefined) {
    xmp = removeProperty(xmp, 'xmp:CreatorTool');
    for (const name of ['tinysr:Software', 'tinysr:Model', 'tinysr:Scale']) xmp = removeProperty(xmp, name);
    xmp = xmp.replace('</rdf:RDF>', `${provenanceDescription(update.provenance)}</rdf:RDF>`);
  }
  return xmp;
}

/** Reads one simple property (attribute or element form) from a packet; for tests and diagnostics. */
export function readXmpProperty(xmp: string, name: string): string | undefined {
  const q = escapeRegExp(name);
  const match = new RegExp(`${q}="([^"]*)"`).exec(xmp) ?? new RegExp(`<${q}>([^<]*)</${q}>`).exec(xmp);
  return match?.[1] === undefined ? undefined : unescapeXml(match[1]);
}

function provenanceDescription(p: Provenance): string {
  return (
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:tinysr="${TINYSR_XMP_NAMESPACE}"` +
    ` xmp:CreatorTool="${escapeXml(p.software)}" tinysr:Software="${escapeXml(p.software)}" tinysr:Model="${escapeXml(p.model)}" tinysr:Scale="${p.scale}"/>`
  );
}

function freshPacket(description: string): string {
  return (
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="${RDF_NAMESPACE}">${description}</rdf:RDF></x:xmpmeta>` +
    `<?xpacket end="w"?>`
  );
}

/** Replaces the value of a property written as an attribute or as a simple element; leaves absent properties absent. */
function setProperty(xmp: string, name: string, value: string): string {
  const q = escapeRegExp(name);
  return xmp
    .replace(new RegExp(`(\\s${q}=")[^"]*(")`, 'g'), `$1${value}$2`)
    .replace(new RegExp(`(<${q}>)[^<]*(</${q}>)`, 'g'), `$1${value}$2`);
}

function removeProperty(xmp: string, name: string): string {
  const q = escapeRegExp(name);
  return xmp.replace(new RegExp(`\\s${q}="[^"]*"`, 'g'), '').replace(new RegExp(`\\s*<${q}>[^<]*</${q}>`, 'g'), '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
}
