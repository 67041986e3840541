// Peak memory against output size: upscales photo-like inputs whose x4 outputs are 2, 10 and 40 megapixels, each in
// a fresh process, and reports peak RSS. The engine's budget: growth of at most 4 bytes per output pixel (the 8-bit
// RGB output buffer is 3) plus a constant. Prints the ratios, asserts nothing; the output is committed as
// bench/results/engine-memory.txt.
//
// Run: npm run build && node bench/engine-memory.mjs [--sizes 2,10,40] [--model generic-x4-tiny]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resultHeader } from './result-header.mjs';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2,10,40' },
    model: { type: 'string', default: 'generic-x4-tiny' },
    child: { type: 'string' },
    input: { type: 'string' },
    out: { type: 'string' },
  },
});
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelDirs = { bundledDir: path.join(root, 'native-models'), userDir: path.join(root, 'test', 'fixtures', 'models'), digestCacheFile: null };

if (values.child) {
  // Child: warm up on a small image (sessions, arenas, libvips), then measure one big upscale.
  const { Engine } = await import('../dist/core/engine/engine.js');
  const { configureEngineProcess } = await import('../dist/core/engine/process-setup.js');
  configureEngineProcess(); // as the engine worker does
  const engine = new Engine({ models: modelDirs });
  const work = path.dirname(values.input);
  await engine.upscale({ input: path.join(work, 'warm.png'), output: path.join(work, 'warm-x4.png'), model: values.model, provider: 'cpu', overwrite: true });
  const baseline = process.resourceUsage().maxRSS * 1024;
  const r = await engine.upscale({ input: values.input, output: path.join(work, `${values.child}-x4.png`), model: values.model, provider: 'cpu', overwrite: true });
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ outputPixels: r.outputSize.width * r.outputSize.height, width: r.outputSize.width, height: r.outputSize.height, baseline, peak, wallMs: r.wallMs, tiles: r.tiles }));
  process.exit(0);
}

const sharp = (await import('sharp')).default;
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr-mem-'));

/** A photo-like LR input whose x4 output has about `megapixels` MP (3:2 aspect). */
async function input(megapixels) {
  const lrPixels = (megapixels * 1e6) / 16;
  const height = Math.round(Math.sqrt(lrPixels / 1.5));
  const width = Math.round(height * 1.5);
  const file = path.join(work, `${megapixels}mp.png`);
  const noise = await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
  await sharp(noise).blur(1.2).png().toFile(file);
  return file;
}

// Big enough for full batches, so the warm-up sizes onnxruntime's arena as the measured run will.
await sharp({ create: { width: 320, height: 320, channels: 3, background: '#808080' } }).png().toFile(path.join(work, 'warm.png'));
const lines = [];
const say = (line) => {
  lines.push(line);
  console.log(line);
};
for (const line of resultHeader(`engine peak RSS vs output size, model ${values.model}`)) say(line);
say('# each size in a fresh process; baseline = peak RSS after a warm-up upscale of a 320x320 image (full tile batches) in that process');
say('# output      MP   baseline MiB  peak MiB  growth MiB  growth B/px  wall s');
const results = [];
for (const mp of values.sizes.split(',').map(Number)) {
  const file = await input(mp);
  const json = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(mp), '--input', file, '--model', values.model], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const r = JSON.parse(json.trim().split('\n').at(-1));
  results.push(r);
  const growth = r.peak - r.baseline;
  const mib = (b) => (b / 2 ** 20).toFixed(0).padStart(9);
  say(`${`${r.width}x${r.height}`.padEnd(11)} ${(r.outputPixels / 1e6).toFixed(1).padStart(5)}  ${mib(r.baseline)}     ${mib(r.peak)}  ${mib(growth)}   ${(growth / r.outputPixels).toFixed(2).padStart(10)}  ${(r.wallMs / 1000).toFixed(1).padStart(6)}`);
  await fs.rm(path.join(work, `${mp}-x4.png`), { force: true });
}
// Marginal growth between sizes, from each process's growth over its own baseline (baselines differ by a few MiB
// between processes). The stitcher's float band grows with the output width, not its area, so it weighs less per
// pixel as images grow.
const growth = (r) => r.peak - r.baseline;
for (let i = 1; i < results.length; i++) {
  const [a, b] = [results[i - 1], results[i]];
  const slope = (growth(b) - growth(a)) / (b.outputPixels - a.outputPixels);
  say(`# marginal growth ${(a.outputPixels / 1e6).toFixed(0)} -> ${(b.outputPixels / 1e6).toFixed(0)} MP: ${slope.toFixed(2)} bytes per output pixel (for scale: the 8-bit RGB output buffer alone is 3)`);
}
await fs.rm(work, { recursive: true, force: true });
await fs.writeFile(values.out ?? path.join(root, 'bench', 'results', 'engine-memory.txt'), `${lines.join('\n')}\n`);
