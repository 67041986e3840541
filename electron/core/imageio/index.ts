// Image IO for the engine: decode image files into oriented sRGB pixel buffers, encode upscaled buffers back into
// files with the source's colour profile and metadata, atomically, under pixel limits, with file-name templates;
// and find the image files in the folders a user gives (scanImageInputs, for the CLI and the queue).
// This index is the module's public surface for the engine and the CLI; it loads sharp. Callers that must stay free of
// sharp (the API service, queue and settings, which run in Electron's main process) import the pure modules directly:
// ./types, ./naming, ./atomic, ./formats, ./scan.
//
// Typical engine flow:
//   const info = await readImageInfo(path, limits);           // cheap, rejects bombs before decoding
//   const outPath = resolveOutputPath(path, outDir, { template, model, scale, format });
//   await assertOutputWritable(outPath, { overwrite });       // fail before spending minutes on inference
//   const img = await decodeImage(path, limits);              // RGB interleaved (+ alpha plane), sRGB, oriented
//   ... upscale img.rgb tile by tile into an output RGB buffer of the same array type ...
//   const alpha = img.alpha && await resizePixels(img.alpha, img, 1, { width: W, height: H }, img.bitDepth);
//   await encodeImage({ rgb, alpha, width: W, height: H, bitDepth: img.bitDepth },
//                     { path: outPath, format, metadata: 'keep', colorProfile: 'source', provenance, overwrite, source: img.source, signal });
//
// May import: sharp, node:fs, node:os, node:path, node:crypto, ../shared. Never onnxruntime, ../engine or ../models.

export * from './types.js';
export { readImageInfo } from './probe.js';
export { decodeImage } from './decode.js';
export { resizePixels } from './resize.js';
export { writeDisplayPng, writeRegionPng, type PixelRegion } from './region.js';
export { encodeImage, sweepOrphanedIccFolders } from './encode.js';
export { writeFileAtomically, assertOutputWritable, removeLeftoverTemps, removeTempsInFlight, sweepOrphanedTemps, TEMP_PREFIX } from './atomic.js';
export type { AtomicWriteOptions, CreatedFolders } from './atomic.js';
export {
  renderName,
  resolveOutputPath,
  validateNameTemplate,
  outputExtension,
  DEFAULT_NAME_TEMPLATE,
  NAME_PLACEHOLDERS,
} from './naming.js';
export type { NameFields, OutputPathOptions } from './naming.js';
export { sniffFormat } from './formats.js';
export type { SniffedFormat } from './formats.js';
export { IMAGE_EXTENSIONS, scanImageInputs } from './scan.js';
export type { ScanOptions, ScannedInput } from './scan.js';
