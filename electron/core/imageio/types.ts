// The data that crosses the imageio boundary: what a probe reports, what a decode hands the engine, what an encode
// needs. Pure types and defaults; no I/O.
//
// Units: widths/heights are pixels; pixel counts are width x height; bit depth is per channel; pixel buffers are
// interleaved row-major (RGBRGB..., rows top to bottom), values 0..255 (Uint8Array) or 0..65535 (Uint16Array).
//
// May import: nothing.

/** Containers imageio decodes. GIF: first frame only. AVIF: AV1-coded HEIF only (HEIC is not decodable here). */
export const INPUT_FORMATS = ['jpeg', 'png', 'webp', 'tiff', 'avif', 'gif'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Containers imageio encodes. */
export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp', 'tiff', 'avif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type BitDepth = 8 | 16;

/** Interleaved samples: Uint8Array for 8-bit images, Uint16Array for 16-bit ones. */
export type PixelBuffer = Uint8Array | Uint16Array;

/**
 * Decompression-bomb guard. Checked against the image header BEFORE any pixel is decoded, and passed to sharp's
 * `limitInputPixels` as a second line of defence.
 */
export interface PixelLimits {
  /** Largest accepted input, in pixels (width x height). */
  maxInputPixels: number;
  /** Largest accepted output, in pixels; checked only when `scale` is known. */
  maxOutputPixels?: number | undefined;
  /** The upscale factor the output will have (4 for TinySR); with `maxOutputPixels` it bounds the output. */
  scale?: number | undefined;
}

/** 100 MP in, 400 MP out: far beyond a 40 MP output, far below what would exhaust memory before we notice. */
export const DEFAULT_PIXEL_LIMITS: Readonly<Required<Omit<PixelLimits, 'scale'>>> = {
  maxInputPixels: 100_000_000,
  maxOutputPixels: 400_000_000,
};

/** What a header probe says about an image file (no pixels decoded). */
export interface ImageInfo {
  path: string;
  format: InputFormat;
  /** Size as displayed, i.e. after the EXIF orientation is applied (swapped for orientations 5-8). */
  width: number;
  height: number;
  /** Size as stored in the file, before orientation. */
  storedWidth: number;
  storedHeight: number;
  /** Channels as stored (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA or CMYK). */
  channels: number;
  hasAlpha: boolean;
  /** 16 when the file stores more than 8 bits per sample (decoded as 16-bit), else 8. */
  bitDepth: BitDepth;
  /** EXIF orientation 1..8; 1 when absent. */
  orientation: number;
  hasIccProfile: boolean;
  /** The embedded profile's description (e.g. "Display P3"), when it has one. */
  iccDescription?: string | undefined;
  /** File size in bytes. */
  fileSize: number;
}

/** Everything from the source file that an encode needs to carry over; opaque to the engine. */
export interface SourceInfo {
  path: string;
  format: InputFormat;
  /** Oriented size of the source (the size the engine upscales). */
  width: number;
  height: number;
  bitDepth: BitDepth;
  /** The EXIF orientation that decoding applied (1..8). */
  orientation: number;
  /** Raw ICC profile bytes embedded in the source, if any. Pixels handed to the engine are already in sRGB. */
  icc?: Buffer | undefined;
  iccDescription?: string | undefined;
  /** Colour space of the embedded profile as its header says ('RGB ', 'GRAY', 'CMYK'...), when there is one. */
  iccColourSpace?: string | undefined;
  /** Raw EXIF (TIFF structure, with or without the "Exif\0\0" prefix), XMP packet and IPTC-IIM block, as sharp exposes them. */
  exif?: Buffer | undefined;
  xmp?: Buffer | undefined;
  iptc?: Buffer | undefined;
  /** Pixels per inch, when the file says. */
  density?: number | undefined;
  /** The source stores grey samples (1 channel, or grey + alpha): its output is grey too, not RGB (see encode.ts). */
  grey?: boolean | undefined;
}

/** A raster at some size: RGB interleaved plus an optional separate alpha plane of the same depth. */
export interface RgbImage {
  width: number;
  height: number;
  bitDepth: BitDepth;
  /** width x height x 3 samples; Uint16Array iff bitDepth is 16. sRGB-encoded. */
  rgb: PixelBuffer;
  /** width x height samples, same array type as `rgb`; absent for opaque images. */
  alpha?: PixelBuffer | undefined;
}

/** A decoded source: oriented, in sRGB, alpha split off, plus what the encode will carry over. */
export interface DecodedImage extends RgbImage {
  source: SourceInfo;
}

export interface DecodeOptions extends PixelLimits {
  /** Stops before pixel decoding when already aborted. */
  signal?: AbortSignal | undefined;
}

export type MetadataPolicy = 'keep' | 'strip';
export type ColorProfilePolicy = 'source' | 'srgb';

/** Who made the output: written as EXIF Software and XMP (xmp:CreatorTool plus tinysr:Model / tinysr:Scale). */
export interface Provenance {
  /** e.g. "TinySR Studio 0.1.0" */
  software: string;
  /** Model id, e.g. "tinysr-x4". */
  model: string;
  scale: number;
}

export interface EncodeOptions {
  /** Final output path (the folder is created if missing). */
  path: string;
  format: OutputFormat;
  /** 1..100 for jpeg/webp/avif (defaults in DEFAULT_QUALITY); png and tiff are lossless and ignore it. */
  quality?: number | undefined;
  /** 'keep': EXIF/XMP/ICC from `source` carried over (see encode.ts for the per-format table); 'strip': none. */
  metadata: MetadataPolicy;
  /** 'source': pixels converted from sRGB back to the source's ICC profile and that profile embedded; 'srgb': sRGB. */
  colorProfile: ColorProfilePolicy;
  /** Written even when metadata is 'strip' (it describes the output, not the person or camera). Omit to write none. */
  provenance?: Provenance | undefined;
  /** Replace an existing file at `path`; otherwise OUTPUT_EXISTS. */
  overwrite: boolean;
  /** The decoded source, for metadata and profile carry-over. */
  source?: SourceInfo | undefined;
  /** Aborting before the rename removes the temp file and throws CANCELLED; nothing is left behind. */
  signal?: AbortSignal | undefined;
  /** Awaited when the temp file is complete, before it is renamed into place (see AtomicWriteOptions). */
  beforeCommit?: (() => Promise<void>) | undefined;
}

/** What an encode wrote. */
export interface EncodeResult {
  path: string;
  format: OutputFormat;
  width: number;
  height: number;
  bitDepth: BitDepth;
  /** Bytes written. */
  size: number;
}

export const DEFAULT_QUALITY: Readonly<Record<'jpeg' | 'webp' | 'avif', number>> = { jpeg: 92, webp: 90, avif: 64 };
