// Seam visibility of the app's tiled upscale on a real photo without ground truth. The photo goes through the engine
// several times with different tilings: tile sizes for a model with free tiles (ending with one tile for the whole
// photo when the model allows it), overlaps for a fixed-tile model (its tile cannot change). For each run:
//   seam ratio  gradient energy of luma on the `scale` lines around each seam centre (electron/common/image-metrics.ts seamRatio)
//               over that of all other lines, per axis and together; 1 = the seam lines are as busy as the rest;
//   control     the same ratio on the same lines of a seamless output of the same model and photo, so content that
//               happens to lie on those lines is told apart from a seam: the whole-photo run when the model takes
//               the photo in one tile, else a run on the photo cropped by a shift (LR px, left and top) chosen so that
//               its own seams fall away from every measured seam (the comparison then covers the shifted region);
//   excess      seam ratio / control: 1 = no seam. Above 1: a step or a texture break on the seam; below 1: a softer
//               stripe, where the blend averages two tiles' different detail (outputs that disagree in the overlap);
//   vs ref      max and mean abs difference (8-bit levels) from the reference run (the whole photo, or else the largest
//               tile; for a fixed-tile model, its own default overlap).
// Prints the table and writes it to bench/results/seam-check.txt. Asserts nothing.
//
// Run: npm run build && node bench/seam-check.mjs [PHOTO] [--model ID|DIR] [--threads N] [--out FILE]
//      PHOTO: a file inside the repository (default examples/photo.jpg); anything else is refused (exit code 2), so a
//      committed result always names an input a clean clone has.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resultHeader } from './result-header.mjs';
import { resolveTiling } from '../dist/core/engine/tile-rule.js';
import { planTiles } from '../dist/core/tiling/index.js';
import { modelFolder, openModel, readRaster, Report, ROOT, threadsLabel, writeCrop } from './bench-support.mjs';
import { cropPlane, diffStats, luma, seamCentres, seamRatio } from '../dist/common/image-metrics.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' },
    threads: { type: 'string', default: '0' },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'seam-check.txt') },
  },
});
/** Free tile sides tried (LR px), within the model's rule; the whole photo is added when the rule allows it. */
const FREE_TILES = [64, 96, 128, 192, 256];

const photo = choosePhoto(positionals[0]);
const threads = Number(values.threads);
const { engine, model } = await openModel(modelFolder(values.model), threads);
const { manifest } = model;
const scale = manifest.scale;
/** Edges on each side of a seam centre counted as the seam: 2 x 2 = 4 lines at x4, every sub-pixel phase once. */
const seamHalfWidth = scale % 2 === 0 ? scale / 2 : scale;
const lr = await readRaster(photo);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tinysr-seam-check-'));
const report = new Report();

/** The photo to run on: examples/photo.jpg, or one given inside the repository (a committed result must be rerunnable). */
function choosePhoto(given) {
  const photo = given ? path.resolve(given) : path.join(ROOT, 'examples', 'photo.jpg');
  const relative = path.relative(ROOT, photo);
  if (relative.startsWith('..') || path.isAbsolute(relative) || !fs.existsSync(photo)) {
    console.error(`seam-check: ${photo} is not a file inside the repository; use a committed photo (default examples/photo.jpg) so the result can be rerun.`);
    process.exit(2);
  }
  return photo;
}

/** The tilings to compare and which of them is the reference: [{ tile, overlap }], reference index. */
function tilings(width, height) {
  const rule = manifest.tile;
  if (rule.mode === 'fixed') {
    const own = resolveTiling(manifest, {});
    const overlaps = [...new Set([0, Math.floor(own.overlap / 2), own.overlap, 2 * own.overlap, Math.floor(rule.size / 3)])]
      .filter((o) => o < rule.size)
      .sort((a, b) => a - b);
    const runs = overlaps.map((overlap) => resolveTiling(manifest, { overlap }));
    return { runs, reference: overlaps.indexOf(own.overlap) };
  }
  const sides = FREE_TILES.filter((t) => t >= rule.min && t <= rule.max && t % rule.multipleOf === 0 && t < Math.max(width, height));
  const whole = Math.ceil(Math.max(width, height) / rule.multipleOf) * rule.multipleOf;
  if (whole <= rule.max) sides.push(Math.max(whole, rule.min));
  const runs = sides.map((tile) => resolveTiling(manifest, { tile }));
  return { runs, reference: runs.length - 1 }; // the whole photo, or else the largest tile
}

/** The seam centres (HR px) of the engine's tile plan for an LR image of `width` x `height` and a tiling. */
function centresOf(width, height, { tile, overlap }) {
  const rule = manifest.tile;
  const spec = rule.mode === 'fixed' ? { mode: 'fixed', size: rule.size } : { mode: 'free', size: tile, multipleOf: rule.multipleOf, min: rule.min };
  return seamCentres(planTiles({ width, height, scale, tile: spec, overlap }));
}

/** Positions in [offset, offset + length), moved to start at 0. */
function within(positions, offset, length) {
  return positions.map((p) => p - offset).filter((p) => p > 0 && p < length);
}

/**
 * A seamless image to compare seam lines with: the reference run when it is one tile, else the model's output of the
 * photo cropped by the shift whose own seams lie farthest from every measured run's seams.
 */
async function seamlessControl() {
  const [width, height] = [lr.width * scale, lr.height * scale];
  if (ref.centres.x.length + ref.centres.y.length === 0) return { luma: ref.luma, offset: 0, width, height, label: `the whole-photo run (tile ${ref.result.tile})` };
  const side = ref.result.tile;
  const shifts = [...new Set([4, 3, 2, 8].map((d) => Math.floor(side / d)))].filter((d) => d > 0 && 2 * d < Math.min(lr.width, lr.height));
  const distance = (shift) => {
    const own = centresOf(lr.width - shift, lr.height - shift, ref.tiling);
    const gaps = ['x', 'y'].flatMap((axis) =>
      own[axis].flatMap((c) => outputs.flatMap((o) => o.centres[axis].map((m) => Math.abs(c + shift * scale - m)))),
    );
    return Math.min(Infinity, ...gaps);
  };
  if (shifts.length === 0) throw new Error(`${photo} is too small to shift against ${side} px tiles; use a larger photo.`);
  const shift = shifts.reduce((best, d) => (distance(d) > distance(best) ? d : best), shifts[0]);
  const input = path.join(work, 'shifted.png');
  await writeCrop(photo, input, { x: shift, y: shift, width: lr.width - shift, height: lr.height - shift });
  const output = path.join(work, 'shifted-x4.png');
  await engine.upscale({ input, output, model: model.id, provider: 'cpu', ...ref.tiling });
  const gap = distance(shift);
  return {
    luma: luma(await readRaster(output)),
    offset: shift * scale,
    width: width - shift * scale,
    height: height - shift * scale,
    label: `the reference tiling on the photo cropped by ${shift} LR px left and top (${gap === Infinity ? 'no seams of its own' : `its seams >= ${gap} HR px from any measured seam`}; ratios over that region)`,
  };
}

for (const line of resultHeader(`seam check, cpu execution provider, threads ${threadsLabel(threads)}`)) report.say(line);
report.say(`# model ${model.id} (tile rule ${JSON.stringify(manifest.tile)}, overlap ${manifest.overlap}); photo ${path.relative(ROOT, photo)} ${lr.width} x ${lr.height} -> ${lr.width * scale} x ${lr.height * scale}`);
if (manifest.tile.mode === 'fixed') {
  report.say(`# fixed-tile model: the tile is fixed at ${manifest.tile.size} px, so the overlap varies instead of the tile size; tiles are spread`);
  report.say('#   evenly, so seams move only when the tile count changes: otherwise the overlap changes the blend window (0 = hard cut)');
}
report.say(`# seam lines: the ${2 * seamHalfWidth} edges around each seam centre (HR px); ratios are gradient energy of luma on seam lines / other lines`);
report.say('# excess = ratio all / control: 1 = no seam; > 1 a step or texture break, < 1 a soft stripe (the blend averaging tiles that disagree)');

const { runs, reference } = tilings(lr.width, lr.height);
const outputs = [];
for (const [i, tiling] of runs.entries()) {
  const output = path.join(work, `run-${i}.png`);
  const result = await engine.upscale({ input: photo, output, model: model.id, provider: 'cpu', ...tiling });
  const raster = await readRaster(output);
  outputs.push({ tiling, result, raster, luma: luma(raster), centres: centresOf(lr.width, lr.height, tiling) });
}
const ref = outputs[reference];
const control = await seamlessControl();
report.say(`# control: ${control.label}; reference for the differences: tile ${ref.result.tile}, overlap ${ref.tiling.overlap}`);

const fmt = (v, digits = 3) => (Number.isNaN(v) ? '-' : v.toFixed(digits));
report.say('# tile overlap tiles  seams x/y  wall s  ratio x  ratio y  ratio all  control  excess   max|d| mean|d| vs ref');
for (const { tiling, result, raster, luma: plane, centres } of outputs) {
  // Both images over the control's region, seams in its coordinates.
  const { offset, width, height } = control;
  const region = cropPlane(plane, lr.width * scale, offset, offset, width, height);
  const moved = { x: within(centres.x, offset, width), y: within(centres.y, offset, height) };
  const ratio = seamRatio(region, width, height, moved, seamHalfWidth);
  const controlRatio = seamRatio(control.luma, width, height, moved, seamHalfWidth).all;
  const diff = diffStats(raster.data, ref.raster.data);
  report.say(
    [
      String(result.tile).padStart(6),
      String(tiling.overlap).padStart(7),
      String(result.tiles).padStart(5),
      `${centres.x.length}/${centres.y.length}`.padStart(10),
      (result.wallMs / 1000).toFixed(1).padStart(7),
      fmt(ratio.x).padStart(8),
      fmt(ratio.y).padStart(8),
      fmt(ratio.all).padStart(10),
      fmt(controlRatio).padStart(8),
      fmt(ratio.all / controlRatio).padStart(7),
      String(diff.max).padStart(8),
      diff.mean.toFixed(3).padStart(7),
    ].join(' '),
  );
}
await engine.dispose();
fs.rmSync(work, { recursive: true, force: true });
await report.write(values.out);
