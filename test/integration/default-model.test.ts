// The bundled default model (whatever DEFAULT_MODEL_ID names, found in native-models/ as the app finds it) is a real
// photo upscaler: it passes the app's model validation, and the real engine (CPU, onnxruntime-node, sharp) turns a crop
// of the committed example photo into an x4 image that differs from bicubic the way a model card can claim: more fine
// detail (gradient energy of luma well above bicubic's) while keeping the photo's low frequencies (downscaled back by 4,
// close to the input). Random weights fail the second check, a bicubic-like model the first.
//
// Tolerances, from the measurement below on this crop (realesrgan-x4fast, 2026-11-28; rerun to update):
//   gradient energy of luma, model / bicubic: 3.46 (near-bicubic fixture generic-x4-tiny: 1.11)        -> at least 1.5
//   PSNR-Y of the output box-downscaled x4 vs the input: 33.1 dB (bicubic 40.7, random-init tinysr-tiny 12.3) -> at least 28 dB
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/engine/engine.js';
import { DEFAULT_MODEL_ID, listModels, loadModelFolder, packageRoot } from '../../electron/core/models/index.js';
import { BicubicUpsampler, type Raster } from '../../electron/core/tiling/index.js';
import { boxDownscale, gradientEnergy, luma, psnr, upsampledRaster } from '../../bench/image-metrics.mjs';
import { makeTempDir, readStoredPixels, removeTempDir } from '../helpers/images.js';

const ROOT = packageRoot();
const BUNDLED = path.join(ROOT, 'native-models');
const PHOTO = path.join(ROOT, 'examples', 'photo.jpg');
/** A centre crop of the 300 x 200 example photo (the cup's rim, saucer and table): one or two tiles for the models at hand. */
const CROP = { width: 192, height: 128 };
const MIN_GRADIENT_RATIO = 1.5;
const MIN_LOW_FREQUENCY_PSNR = 28;

let dir: string;
let engine: Engine;

beforeAll(async () => {
  dir = await makeTempDir();
  engine = new Engine({ models: { bundledDir: BUNDLED, userDir: null, digestCacheFile: null }, threads: 1 });
});

afterAll(async () => {
  await engine.dispose();
  await removeTempDir(dir);
});

async function rasterOf(file: string): Promise<Raster> {
  const pixels = await readStoredPixels(file);
  return { ...pixels, maxValue: 255 };
}

describe(`the bundled default model (${DEFAULT_MODEL_ID})`, () => {
  it('is in native-models/, passes the app’s model validation and is trained', async () => {
    const listing = await listModels({ bundledDir: BUNDLED, userDir: undefined, digestCacheFile: undefined });
    expect(listing.problems.filter((p) => path.basename(p.dir) === DEFAULT_MODEL_ID)).toEqual([]);
    const model = listing.models.find((m) => m.id === DEFAULT_MODEL_ID);
    expect(model).toMatchObject({ isDefault: true, source: 'bundled', untrained: false });
    // The folder on its own (schema, file sizes, sha256), as a user's copy of it would be checked.
    expect(await loadModelFolder(path.join(BUNDLED, DEFAULT_MODEL_ID), 'bundled')).toMatchObject({ id: DEFAULT_MODEL_ID });
  });

  it('upscales a real photo to the right size, sharper than bicubic and true to its low frequencies', async () => {
    const meta = await sharp(PHOTO).metadata();
    const input = path.join(dir, 'photo crop.png');
    const left = Math.floor(((meta.width ?? 0) - CROP.width) / 2);
    const top = Math.floor(((meta.height ?? 0) - CROP.height) / 2);
    await sharp(PHOTO).extract({ left, top, ...CROP }).png().toFile(input);
    const output = path.join(dir, 'photo crop x4.png');

    const result = await engine.upscale({ input, output, model: DEFAULT_MODEL_ID, provider: 'cpu' });
    const { scale } = (await engine.model(DEFAULT_MODEL_ID)).manifest;
    const size = { width: CROP.width * scale, height: CROP.height * scale };
    expect(result).toMatchObject({ model: DEFAULT_MODEL_ID, inputSize: CROP, outputSize: size });

    const lr = await rasterOf(input);
    const sr = await rasterOf(output);
    expect({ width: sr.width, height: sr.height }).toEqual(size);
    const srLuma = luma(sr);
    // PyTorch-convention bicubic (core/tiling's; the training side's bicubic baseline), rounded to 8 bit like the output.
    const bicubicLuma = luma(upsampledRaster(new BicubicUpsampler(lr, scale)));
    const gradientRatio = gradientEnergy(srLuma, size.width, size.height) / gradientEnergy(bicubicLuma, size.width, size.height);
    const lowFrequencyPsnr = psnr(boxDownscale(srLuma, size.width, size.height, scale).plane, luma(lr));
    expect(gradientRatio).toBeGreaterThanOrEqual(MIN_GRADIENT_RATIO);
    expect(lowFrequencyPsnr).toBeGreaterThanOrEqual(MIN_LOW_FREQUENCY_PSNR);
  });
});
