// What the model benchmarks (model-speed, seam-check) share: finding a model folder from an id or a path, an Engine
// that sees it, the reference teacher's ONNX export (made on first use, kept in the git-ignored training cache), real
// photos read as rasters and cropped, and the header and file output of a committed result.
//
// Needs `npm run build` first (imports the compiled core from dist/, like the other benchmarks).
//
// May import: node builtins, sharp, ../dist/core.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Engine } from '../dist/core/engine/engine.js';
import { configureEngineProcess } from '../dist/core/engine/process-setup.js';
import { DEFAULT_MODEL_ID, loadModelFolder, packageRoot } from '../dist/core/models/index.js';

export const ROOT = packageRoot();
const TRAINING = path.join(ROOT, 'training');
/** Where the reference teacher's ONNX export lives: git-ignored (67 MB fp32), rebuilt from the converted weights. */
export const TEACHER_DIR = path.join(TRAINING, '.cache', 'onnx', 'realesrgan-x4plus');
const MODEL_FOLDERS = [path.join(ROOT, 'native-models'), path.join(ROOT, 'test', 'fixtures', 'models')];

/** The folder of model `spec`: a folder holding manifest.json, or an id in native-models/ or the test fixtures. */
export function modelFolder(spec = DEFAULT_MODEL_ID) {
  if (fs.existsSync(path.join(spec, 'manifest.json'))) return path.resolve(spec);
  const found = MODEL_FOLDERS.map((dir) => path.join(dir, spec)).find((dir) => fs.existsSync(path.join(dir, 'manifest.json')));
  if (!found) throw new Error(`No model "${spec}": not a folder with manifest.json, nor an id in ${MODEL_FOLDERS.join(' or ')}.`);
  return found;
}

/**
 * An Engine that lists the folder's parent (so it sees the model as the app would a models folder) and the model
 * itself, verified. Call engine.dispose() when done.
 */
export async function openModel(dir, threads) {
  configureEngineProcess(); // as the engine worker does
  const model = await loadModelFolder(dir, 'bundled');
  const engine = new Engine({ models: { bundledDir: path.dirname(dir), userDir: null, digestCacheFile: null }, threads });
  await engine.model(model.id); // fails here, naming the problem, if the folder's siblings hide it (a duplicate id)
  return { engine, model };
}

/** The reference teacher (Real-ESRGAN x4plus) as an ONNX model folder, exported now if the cache does not hold it. */
export function teacherFolder(log) {
  if (fs.existsSync(path.join(TEACHER_DIR, 'manifest.json'))) return TEACHER_DIR;
  const cli = path.join(TRAINING, '.venv', 'bin', 'tinysr-train');
  const args = ['reference', 'export', '--model', 'realesrgan-x4plus', '--out', TEACHER_DIR];
  if (!fs.existsSync(cli)) {
    throw new Error(`The reference teacher is not exported yet and ${cli} is missing: set up training/ (see training/README.md), then run \`tinysr-train ${args.join(' ')}\`.`);
  }
  log(`# exporting the reference teacher once: tinysr-train ${args.join(' ')}`);
  const run = spawnSync(cli, args, { cwd: TRAINING, stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) {
    throw new Error(
      `tinysr-train reference export failed (exit ${run.status}); it needs the converted weights: run \`tinysr-train reference fetch\` and \`tinysr-train reference convert --model realesrgan-x4plus\` in training/ first.`,
    );
  }
  return TEACHER_DIR;
}

/** An image file's oriented pixels as an interleaved 8-bit RGB raster. */
export async function readRaster(file) {
  const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels, maxValue: 255 };
}

/** Writes the region `rect` (LR px, orientation applied) of `photo` as a PNG at `file`. */
export async function writeCrop(photo, file, rect) {
  await sharp(photo).rotate().extract({ left: rect.x, top: rect.y, width: rect.width, height: rect.height }).png().toFile(file);
}

/** The centred `width` x `height` rectangle of a `photoWidth` x `photoHeight` photo, clipped to the photo. */
export function centredRect(photoWidth, photoHeight, width, height) {
  const w = Math.min(width, photoWidth);
  const h = Math.min(height, photoHeight);
  return { x: Math.floor((photoWidth - w) / 2), y: Math.floor((photoHeight - h) / 2), width: w, height: h };
}

/** Writes the centred `width` x `height` crop of `photo` (clipped to the photo) as a PNG at `file`; returns its size. */
export async function writeCentreCrop(photo, file, width, height) {
  const { width: photoWidth, height: photoHeight } = await readRaster(photo);
  const rect = centredRect(photoWidth, photoHeight, width, height);
  await writeCrop(photo, file, rect);
  return { width: rect.width, height: rect.height };
}

/** "Intel Xeon ... x2, load 1.0 0.9 0.8": the machine line every result file starts with. */
export function machine() {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'cpu'} x${cpus.length}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}

/** "ORT default (2 cores)" or "4": how many intra-op threads the sessions were given. */
export function threadsLabel(threads) {
  return threads > 0 ? String(threads) : `onnxruntime default (${os.cpus().length} cores)`;
}

/** Collects printed lines so the same text can be written to the committed result file. */
export class Report {
  lines = [];

  say(line) {
    this.lines.push(line);
    console.log(line);
  }

  async write(file) {
    await fs.promises.writeFile(file, `${this.lines.join('\n')}\n`);
    console.log(`# wrote ${path.relative(process.cwd(), file)}`);
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
