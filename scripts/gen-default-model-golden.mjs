#!/usr/bin/env node
// Writes the default-model golden in test/fixtures/golden/default-model/, which test/integration/default-model.test.ts
// holds the bundled default model to:
//   <crop>-lr.png      a 48 x 48 px crop of examples/photo.jpg (CROPS below: `spoon`, the spoon's bowl with its
//                      highlights against the saucer, hard curved edges; `wood`, the table's grain and the saucer's rim);
//   <crop>-x4plus.png  that crop upscaled x4 by Real-ESRGAN x4plus (RRDBNet, 16.7M params, this project's reference
//                      teacher) through the app's own engine (CPU, fp32, onnxruntime-node).
// Both are plain PNGs of the raw 8-bit RGB pixels (no metadata).
// The x4plus ONNX folder is the git-ignored training/.cache/onnx/realesrgan-x4plus/ (67 MB), exported from the
// converted weights by, in training/:
//   .venv/bin/python -m tinysr_train.cli reference export --model realesrgan-x4plus --out .cache/onnx/realesrgan-x4plus
// The engine finds it as a user model: the models folder's user directory is training/.cache/onnx (the CLI does the
// same with TINYSR_USER_MODELS=training/.cache/onnx npx tinysr upscale ... --model realesrgan-x4plus).
// Generated once and committed (test/fixtures/golden/README.md); rerun only on purpose (a new crop, a new reference),
// and say why in the commit:
//   npm run gen:golden-default-model     (= npm run build && node scripts/gen-default-model-golden.mjs)
//
// May import: node builtins, sharp, dist/core (the compiled app).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Engine } from '../dist/core/engine/engine.js';
import { configureEngineProcess } from '../dist/core/engine/process-setup.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'test', 'fixtures', 'golden', 'default-model');
const PHOTO = path.join(ROOT, 'examples', 'photo.jpg');
/** LR px of examples/photo.jpg (300 x 200). */
const CROPS = {
  spoon: { left: 158, top: 108, width: 48, height: 48 },
  wood: { left: 14, top: 88, width: 48, height: 48 },
};
const REFERENCE = 'realesrgan-x4plus';
const USER_MODELS = path.join(ROOT, 'training', '.cache', 'onnx');

if (!fs.existsSync(path.join(USER_MODELS, REFERENCE, 'manifest.json'))) {
  console.error(
    `${path.join(USER_MODELS, REFERENCE)} has no manifest.json. Export the reference first, in training/:\n` +
      `  .venv/bin/python -m tinysr_train.cli reference export --model ${REFERENCE} --out .cache/onnx/${REFERENCE}`,
  );
  process.exit(3);
}

configureEngineProcess();
fs.mkdirSync(OUT, { recursive: true });
/** Writes raw 8-bit pixels as a PNG without metadata. */
const writePng = ({ data, info }, file) =>
  sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).png({ compressionLevel: 9, adaptiveFiltering: true }).toFile(file);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tinysr-golden-'));
const engine = new Engine({ models: { bundledDir: path.join(ROOT, 'native-models'), userDir: USER_MODELS, digestCacheFile: null }, threads: os.availableParallelism() });
try {
  for (const [name, region] of Object.entries(CROPS)) {
    const lr = path.join(OUT, `${name}-lr.png`);
    await writePng(await sharp(PHOTO).rotate().extract(region).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }), lr);
    const output = path.join(tmp, `${name}-x4plus.png`);
    const result = await engine.upscale({ input: lr, output, model: REFERENCE, provider: 'cpu', precision: 'fp32', metadata: 'strip' });
    const golden = path.join(OUT, `${name}-x4plus.png`);
    await writePng(await sharp(output).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }), golden);
    const sizes = [lr, golden].map((f) => `${path.basename(f)} ${fs.statSync(f).size} B`).join(', ');
    console.log(`${name}: ${REFERENCE} on ${result.provider} (${result.precision}), ${result.inputSize.width} x ${result.inputSize.height} -> ${result.outputSize.width} x ${result.outputSize.height}; ${sizes}`);
  }
} finally {
  await engine.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
}
