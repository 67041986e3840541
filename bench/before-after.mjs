// The README's before/after picture: a region of a photo upscaled x4 by bicubic (left, what the photo looks like
// enlarged without a model) and by a model through the real engine (right), side by side at the same scale with a
// 4 px white gutter. Bicubic is core/tiling's PyTorch-convention one, the baseline every report compares against.
//
// Run: npm run build && node bench/before-after.mjs [PHOTO] [--model ID|DIR] [--region x,y,w,h] [--out FILE]
//      defaults: examples/photo.jpg, the bundled default model, the photo's centre 160 x 120 LR px,
//      examples/before-after.jpg (JPEG quality 92).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { BicubicUpsampler } from '../dist/core/tiling/index.js';
import { centredRect, modelFolder, openModel, readRaster, ROOT, writeCrop } from './bench-support.mjs';
import { upsampledRaster } from '../dist/common/image-metrics.js';

const GUTTER = 4;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' },
    region: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'examples', 'before-after.jpg') },
  },
});
const photo = path.resolve(positionals[0] ?? path.join(ROOT, 'examples', 'photo.jpg'));
const { engine, model } = await openModel(modelFolder(values.model), 0);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tinysr-before-after-'));
try {
  const full = await readRaster(photo);
  const region = parseRegion(values.region, full);
  const input = path.join(work, 'region.png');
  await writeCrop(photo, input, region);

  const upscaled = path.join(work, 'upscaled.png');
  await engine.upscale({ input, output: upscaled, model: model.id, provider: 'cpu' });
  const scale = model.manifest.scale;
  const bicubic = upsampledRaster(new BicubicUpsampler(await readRaster(input), scale));
  const width = region.width * scale;
  const height = region.height * scale;

  await sharp({ create: { width: 2 * width + GUTTER, height, channels: 3, background: '#ffffff' } })
    .composite([
      { input: bicubic.data, raw: { width, height, channels: 3 }, left: 0, top: 0 },
      { input: upscaled, left: width + GUTTER, top: 0 },
    ])
    .jpeg({ quality: 92 })
    .toFile(values.out);
  console.log(`wrote ${path.relative(process.cwd(), values.out)}: ${path.basename(photo)} region ${JSON.stringify(region)}, bicubic | ${model.id}`);
} finally {
  await engine.dispose();
  fs.rmSync(work, { recursive: true, force: true });
}

/** "x,y,w,h" in LR px, or the photo's centre 160 x 120 (clipped to the photo). */
function parseRegion(text, { width, height }) {
  if (!text) return centredRect(width, height, 160, 120);
  const [x, y, w, h] = text.split(',').map(Number);
  if (![x, y, w, h].every(Number.isInteger) || w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > width || y + h > height) {
    throw new Error(`--region ${text}: expected x,y,w,h in LR px inside the ${width} x ${height} photo`);
  }
  return { x, y, width: w, height: h };
}
