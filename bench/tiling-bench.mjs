// Throughput of the pure tiling steps the engine runs per image, on synthetic data (no model: every tile's "output"
// is one precomputed pattern, so only the tiling cost is measured). Prints ms per step and ratios to one
// plain JS pass over the output samples (the floor any per-pixel pass pays); never asserts anything.
//
// Run: npm run build && node bench/tiling-bench.mjs [lrWidth] [lrHeight]
import {
  BandStitcher,
  ChannelStatsAccumulator,
  applyAdain,
  applyWaveletColorFix,
  channelStats,
  extractBatch,
  planTiles,
} from '../dist/core/tiling/index.js';
import { resultHeader } from './result-header.mjs';

const lrWidth = Number(process.argv[2] ?? 1000);
const lrHeight = Number(process.argv[3] ?? 750);
const scale = 4;
const tileSize = 128;

function noise(width, height, seed) {
  const data = new Uint8Array(width * height * 3);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return { data, width, height, channels: 3, maxValue: 255 };
}

function time(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const lr = noise(lrWidth, lrHeight, 1);
const plan = planTiles({ width: lrWidth, height: lrHeight, scale, tile: { mode: 'fixed', size: tileSize }, overlap: 16 });
const output = { data: new Uint8Array(plan.outWidth * plan.outHeight * 3), width: plan.outWidth, height: plan.outHeight, channels: 3, maxValue: 255 };
const modelOutput = new Float32Array(plan.outputTileLength).map((_, i) => (i % 251) / 251);
const batchSize = 4;
const input = new Float32Array(batchSize * plan.inputTileLength);

// the floor: one JS pass reading and writing every output sample
const baselineMs = time(() => {
  const data = output.data;
  for (let i = 0; i < data.length; i++) data[i] = (data[i] + i) & 255;
});

let extractMs = 0;
let stitchMs = 0;
let statsMs = 0;
const stitcher = new BandStitcher(plan, output);
const stats = new ChannelStatsAccumulator();
for (let first = 0; first < plan.tiles.length; first += batchSize) {
  const batch = plan.tiles.slice(first, first + batchSize);
  extractMs += time(() => extractBatch(lr, batch, input));
  for (const tile of batch) {
    let rows;
    stitchMs += time(() => (rows = stitcher.add(tile, modelOutput)));
    statsMs += time(() => stats.addRows(output, rows.from, rows.to));
  }
}
const adainMs = time(() => applyAdain(output, channelStats(lr), stats.result()));
const waveletMs = time(() => applyWaveletColorFix(output, lr));

const mp = (plan.outWidth * plan.outHeight) / 1e6;
const line = (name, ms) => console.log(`${name.padEnd(28)} ${ms.toFixed(1).padStart(9)} ms  ${(ms / mp).toFixed(2).padStart(7)} ms/MP  x${(ms / baselineMs).toFixed(1)} floor`);
for (const header of resultHeader('tiling throughput (pure steps, no model)')) console.log(header);
console.log(`LR ${lrWidth} x ${lrHeight} -> HR ${plan.outWidth} x ${plan.outHeight} (${mp.toFixed(1)} MP), ${plan.tiles.length} tiles of ${tileSize} px, node ${process.version}`);
line('one pass over the output', baselineMs);
line('extract (all tiles)', extractMs);
line('stitch (all tiles)', stitchMs);
line('SR stats while stitching', statsMs);
line('AdaIN pass', adainMs);
line('wavelet pass', waveletMs);
