// Engine overhead: wall time of a full upscale (decode, tiling, session.run, stitching, colour fix, encode, atomic
// write) against the sum of the model's own session.run() time on the same tiles in the same run. Target <= 10 % on
// CPU. Prints ratios, asserts nothing; the output is committed as bench/results/engine-overhead.txt.
//
// Run: npm run build && node bench/engine-overhead.mjs [--threads N]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resultHeader } from './result-header.mjs';
import sharp from 'sharp';
import { Engine } from '../dist/core/engine/engine.js';
import { configureEngineProcess } from '../dist/core/engine/process-setup.js';
import { packageRoot } from '../dist/core/models/index.js';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '0' }, out: { type: 'string' } } });
const root = packageRoot();
configureEngineProcess(); // as the engine worker does
const engine = new Engine({
  models: { bundledDir: path.join(root, 'native-models'), userDir: path.join(root, 'test', 'fixtures', 'models'), digestCacheFile: null },
  threads: Number(values.threads),
});
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr-bench-'));

/** A photo-like test input: smoothed noise (texture at several scales), written as PNG. */
async function photoLike(file, width, height) {
  const noise = await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
  await sharp(noise).blur(1.2).png().toFile(file);
  return file;
}

const lines = [];
const say = (line) => {
  lines.push(line);
  console.log(line);
};

for (const line of resultHeader('engine overhead')) say(line);
say('# overhead = (wall - run) / wall; the last columns split wall time by stage: decode | tiles (extract+run+stitch) | encode');
say('# model              input      output      tiles  tile batch  wall ms   run ms  overhead   decode    tiles   encode');
const { models } = await engine.models();
const cases = [
  ['generic-x4-tiny', 384, 288],
  ['tinysr-tiny', 256, 192],
  ['realesrgan-x4fast', 480, 360],
];
for (const [id, width, height] of cases) {
  if (!models.some((m) => m.id === id)) {
    say(`# ${id}: not installed, skipped`);
    continue;
  }
  const input = await photoLike(path.join(work, `${id}.png`), width, height);
  // Warm-up run: session creation and first-run allocations are a one-off per process, not per image.
  await engine.upscale({ input, output: path.join(work, `${id}-warm.png`), model: id, provider: 'cpu', overwrite: true });
  const stageStarts = {};
  const started = performance.now();
  const r = await engine.upscale(
    { input, output: path.join(work, `${id}-x4.png`), model: id, provider: 'cpu', overwrite: true },
    { onEvent: (e) => e.type === 'stage' && (stageStarts[e.stage] = performance.now()) },
  );
  const ended = performance.now();
  const stage = (from, to) => ((to ?? ended) - (from ?? started)).toFixed(0).padStart(7);
  const split = `${stage(stageStarts.decoding, stageStarts.upscaling)}  ${stage(stageStarts.upscaling, stageStarts.encoding)}  ${stage(stageStarts.encoding, ended)}`;
  const overhead = (r.wallMs - r.runMs) / r.wallMs;
  say(
    `${id.padEnd(20)} ${`${width}x${height}`.padEnd(10)} ${`${r.outputSize.width}x${r.outputSize.height}`.padEnd(11)} ${String(r.tiles).padStart(5)}  ${String(r.tile).padStart(4)} ${String(r.batch).padStart(5)}  ${r.wallMs.toFixed(0).padStart(7)}  ${r.runMs.toFixed(0).padStart(7)}  ${(overhead * 100).toFixed(1).padStart(6)} %  ${split}`,
  );
}
await engine.dispose();
await fs.rm(work, { recursive: true, force: true });
const out = values.out ?? path.join(root, 'bench', 'results', 'engine-overhead.txt');
await fs.writeFile(out, `${lines.join('\n')}\n`);
