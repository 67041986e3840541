// Model speed in one run, through the same engine on the same CPU: model latency per tile (the median session.run
// time of a one-tile image, after a warm-up run) and engine throughput (wall seconds per output megapixel of a real
// photo upscaled with the app's defaults: decode, tiles, stitching, colour fix, encode), for the candidate (the first
// --model, default the bundled default), every other --model (default realesrgan-x4fast when it is not the candidate),
// and the reference teacher Real-ESRGAN x4plus exported to ONNX (exported into training/.cache/onnx/ on first use;
// 67 MB, never committed). Prints the table and each model / candidate ratio, and writes them to
// bench/results/model-speed.txt. Asserts nothing.
//
// The latency unit is a 128 x 128 LR crop, a 512 x 512 output (the model cards' unit): a model with free tiles runs it
// as one tile; a fixed-tile model runs its own tiles over it (its tile count is printed), batch 1 for all. The
// teacher is slow on CPU (seconds per tile): the defaults keep a small photo and few repeats so a run takes minutes.
//
// Run: npm run build && node bench/model-speed.mjs [--model ID|DIR ...] [--teacher DIR] [--photo FILE] [--repeats N]
//      [--threads N] [--out FILE]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL_ID } from '../dist/core/models/index.js';
import { median, modelFolder, openModel, readRaster, Report, ROOT, teacherFolder, threadsLabel, writeCentreCrop } from './bench-support.mjs';
import { resultHeader } from './result-header.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    teacher: { type: 'string' },
    photo: { type: 'string', default: path.join(ROOT, 'examples', 'photo.jpg') },
    repeats: { type: 'string', default: '5' },
    threads: { type: 'string', default: '0' },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'model-speed.txt') },
  },
});
const repeats = Number(values.repeats);
const threads = Number(values.threads);
const report = new Report();
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr-model-speed-'));

const specs = values.model ?? [DEFAULT_MODEL_ID, ...(DEFAULT_MODEL_ID === 'realesrgan-x4fast' ? [] : ['realesrgan-x4fast'])];
for (const line of resultHeader('model speed')) report.say(line);
const teacherDir = values.teacher ? path.resolve(values.teacher) : teacherFolder((l) => report.say(l));
/** Role -> { engine, model }: the candidate first, the other models, the teacher last (the order of the table). */
const models = {};
for (const [index, spec] of specs.entries()) models[index === 0 ? 'candidate' : `other ${index}`] = await openModel(modelFolder(spec), threads);
models.teacher = await openModel(teacherDir, threads);
const tile = 128; // LR px: a 512 x 512 output
/** The latency run's tiling: one 128 px tile for a free-tile model, the model's own fixed tiles otherwise. */
const latencyOptions = ({ model }) => (model.manifest.tile.mode === 'fixed' ? { batch: 1 } : { tile, batch: 1 });
const photoSize = await readRaster(values.photo).then((r) => ({ width: r.width, height: r.height }));
const tileImage = path.join(work, `tile-${tile}.png`);
const cropped = await writeCentreCrop(values.photo, tileImage, tile, tile);
if (cropped.width !== tile || cropped.height !== tile) throw new Error(`${values.photo} is smaller than one ${tile} px tile; pass a larger --photo.`);

report.say(`# cpu execution provider, threads ${threadsLabel(threads)}`);
report.say(`# latency: a ${tile} x ${tile} LR crop of ${path.relative(ROOT, values.photo)} (a 512 x 512 output: one tile, or a fixed-tile model's own tiles; batch 1), median session.run ms of ${repeats} runs after 1 warm-up run, the models' runs alternating`);
report.say(`# throughput: all of ${path.relative(ROOT, values.photo)} (${photoSize.width} x ${photoSize.height}), each model's default tile/overlap/batch, 1 run after the latency runs;`);
report.say('#   s/MP = engine wall seconds per output megapixel (decode, tiles, stitch, colour fix, encode); run % = share of wall in session.run');
report.say('# GMAC/512px: the manifest cost per tile scaled by area to a 128 px LR input, without tile overlap (exact for convolutions; attention grows faster)');
report.say('# small photo and few repeats on purpose: the teacher takes seconds per tile on this CPU');

// The models' runs alternate, so load from other processes on a shared machine weighs on all alike (the ratios).
const upscale = ({ engine, model }, input, name, options = {}) =>
  engine.upscale({ input, output: path.join(work, `${model.id}-${name}.png`), model: model.id, provider: 'cpu', overwrite: true, ...options });
const roles = Object.keys(models);
const rows = Object.fromEntries(roles.map((key) => [key, { model: models[key].model, runs: [] }]));
for (const key of roles) await upscale(models[key], tileImage, 'warm', latencyOptions(models[key])); // session creation, first-run allocations
for (let i = 0; i < repeats; i++) {
  for (const key of roles) {
    const run = await upscale(models[key], tileImage, 'tile', latencyOptions(models[key]));
    rows[key].runs.push(run.runMs);
    rows[key].latencyTiles = run.tiles;
  }
}
for (const key of roles) {
  const row = rows[key];
  row.whole = await upscale(models[key], values.photo, 'photo');
  row.latency = median(row.runs);
  row.fastest = Math.min(...row.runs);
  row.secondsPerMp = row.whole.wallMs / 1000 / ((row.whole.outputSize.width * row.whole.outputSize.height) / 1e6);
  await models[key].engine.dispose();
}

const params = (m) => (m.manifest.cost ? `${(m.manifest.cost.params / 1e6).toFixed(2)}M` : '-');
/** The manifest's MACs per tile, scaled to the benchmark tile by area (exact for convolutions; attention grows faster). */
const gmacs = (m) => (m.manifest.cost ? (m.manifest.cost.macsWithAttention * (tile / m.manifest.cost.tileLr) ** 2) / 1e9 : NaN);
report.say('# role       model                 params  GMAC/512px  ms/512px (min-max)        tiles in it  photo tiles (tile)  wall s   s/MP   run %');
for (const [key, r] of Object.entries(rows)) {
  const { whole } = r;
  report.say(
    [
      key.padEnd(10),
      r.model.id.padEnd(21),
      params(r.model).padStart(6),
      gmacs(r.model).toFixed(1).padStart(10),
      `${r.latency.toFixed(0).padStart(7)} (${r.fastest.toFixed(0)}-${Math.max(...r.runs).toFixed(0)})`.padEnd(26),
      String(r.latencyTiles).padStart(5).padEnd(12),
      `${String(whole.tiles).padStart(5)} (${whole.tile})`.padEnd(18),
      (whole.wallMs / 1000).toFixed(1).padStart(7),
      r.secondsPerMp.toFixed(2).padStart(6),
      `${((100 * whole.runMs) / whole.wallMs).toFixed(0).padStart(5)} %`,
    ].join(' '),
  );
}
const first = rows.candidate;
for (const [key, r] of Object.entries(rows).slice(1)) {
  report.say(
    `# ${r.model.id} / ${first.model.id} (${key} / candidate): latency per 512 x 512 output x${(r.latency / first.latency).toFixed(2)} (medians; fastest runs x${(r.fastest / first.fastest).toFixed(2)}), throughput (s/MP) x${(r.secondsPerMp / first.secondsPerMp).toFixed(2)}, MACs per 512 px x${(gmacs(r.model) / gmacs(first.model)).toFixed(2)}`,
  );
}
report.say(`# load at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (a shared machine: other processes slow every model; the min-max spread shows how much)`);
await fs.rm(work, { recursive: true, force: true });
await report.write(values.out);
