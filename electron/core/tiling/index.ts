// The tiling module's public API: plan tiles over an LR image, extract them as model input, stitch model outputs into
// the HR output raster band by band, then apply the colour fix over that raster. Pure TS: no I/O, no native modules.
//
// Typical engine loop:
//   const plan = planTiles({ width, height, scale, tile, overlap, margin });
//   const stitcher = new BandStitcher(plan, output);            // output: HR Raster (Uint8Array / Uint16Array)
//   const stats = new ChannelStatsAccumulator();
//   for (const batch of batches(plan.tiles)) {
//     const input = extractBatch(lr, batch, inputBuffer);         // N x 3 x tileHeight x tileWidth, [0,1]
//     const result = run(input);                                  // N x 3 x tileHeight*s x tileWidth*s
//     batch.forEach((tile, n) => {
//       const rows = stitcher.add(tile, result.subarray(n * plan.outputTileLength, (n + 1) * plan.outputTileLength));
//       stats.addRows(output, rows.from, rows.to);
//     });
//   }
//   applyColorFix(manifest.colorFix, output, lr, { outputStats: stats.result() });
//
// May import: its own files and ../shared (pure TS).
export type { PixelArray, Raster, Rect, RowRange } from './raster.js';
export { reflectIndex } from './reflect.js';
export { planTiles, type PlanOptions, type Tile, type TileBand, type TilePlan, type TileSpec } from './plan.js';
export { extractBatch, extractTile } from './extract.js';
export { BandStitcher } from './stitch.js';
export {
  ADAIN_EPSILON,
  applyAdain,
  applyColorFix,
  applyWaveletColorFix,
  BicubicUpsampler,
  ChannelStatsAccumulator,
  channelStats,
  WAVELET_HALO,
  type ChannelStats,
  type ColorFixKind,
  type ColorFixOptions,
  type WaveletOptions,
} from './colorfix/index.js';
