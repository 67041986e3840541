// The bundled default model (whatever DEFAULT_MODEL_ID names, found in native-models/ as the app finds it) is a real
// photo upscaler: it passes the app's model validation, and on committed crops of the example photo its output through
// the real engine (CPU, onnxruntime-node, sharp) is closer to a strong learned reference than any non-learning baseline.
//
// The golden (test/fixtures/golden/default-model/, written by `npm run gen:golden-default-model`, which runs
// scripts/gen-default-model-golden.mjs; see test/fixtures/golden/README.md): two 48 x 48 px crops of examples/photo.jpg,
// <crop>-lr.png (`spoon`: the spoon's bowl and highlights against the saucer, hard curved edges; `wood`: the table's
// grain and the saucer's rim), and <crop>-x4plus.png, that crop upscaled x4 by Real-ESRGAN x4plus (RRDBNet, 16.7M
// params, the training side's reference teacher) through the app's engine on the CPU. "Closer" is PSNR-Y against
// <crop>-x4plus.png over the whole 192 x 192 output (electron/common/image-metrics.ts psnrY: pyiqa's studio-swing
// BT.601 Y, the one definition of the code base).
//
// The baselines, all from bicubic (core/tiling's PyTorch-convention cubic, a = -0.75, rounded to 8 bit like a model's
// output):
//   bicubic          as it is;
//   bicubic + USM    unsharp mask, out = b + amount (b - gauss_sigma(b)) per RGB channel: the best (closest to the
//                    golden) of amount 0.25, 0.5, 0.75, 1, 1.5, 2 at sigma 1, 2, 3 HR px, so this baseline is as strong
//                    as a sharpening filter gets (the optimum lies inside the grid: sigma 2, amount 0.5 to 0.75);
//   bicubic + noise  plus Gaussian noise of sigma 3/255 per sample (fixed seed): texture that nothing learned.
// On each crop the model must be ahead of every baseline by MARGIN_DB, and each baseline put in the model's place must
// fail that same check (the last test), which proves the check can fail.
//
// Measured 2026-12-06 (realesrgan-x4fast through the engine, CPU; PSNR-Y vs the x4plus golden, dB):
//   crop    model   bicubic  best USM               bicubic + noise   model's lead over (bicubic / USM / noise)
//   spoon   31.20   26.81    27.18 (0.5, sigma 2)   26.71             4.39 / 4.02 / 4.48
//   wood    30.01   27.44    27.88 (0.75, sigma 2)  27.32             2.57 / 2.13 / 2.69
// The best baseline gains only 0.37 / 0.44 dB over bicubic. MARGIN_DB = 1.0: under half of the model's smallest lead
// (2.13 dB), so another good model passes without having to resemble x4fast (only x4plus more than a sharpened bicubic
// does), and more than twice what any baseline gains, so none of them passes in the model's place.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psnrY, upsampledRaster, type MetricsRaster } from '../../electron/common/image-metrics.js';
import { Engine } from '../../electron/core/engine/engine.js';
import { DEFAULT_MODEL_ID, listModels, loadModelFolder, packageRoot } from '../../electron/core/models/index.js';
import { BicubicUpsampler } from '../../electron/core/tiling/index.js';
import { makeTempDir, readStoredPixels, removeTempDir } from '../helpers/images.js';

const ROOT = packageRoot();
const BUNDLED = path.join(ROOT, 'native-models');
const GOLDEN = path.join(ROOT, 'test', 'fixtures', 'golden', 'default-model');
/** How far (dB of PSNR-Y vs the x4plus golden) the model must be ahead of each baseline. */
const MARGIN_DB = 1.0;
const USM_AMOUNTS = [0.25, 0.5, 0.75, 1, 1.5, 2];
const USM_SIGMAS = [1, 2, 3];
const NOISE_SIGMA = 3 / 255;

type Rgb8 = MetricsRaster & { data: Uint8Array };

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

async function rasterOf(file: string): Promise<Rgb8> {
  const pixels = await readStoredPixels(file);
  return { data: Uint8Array.from(pixels.data), width: pixels.width, height: pixels.height, channels: pixels.channels, maxValue: 255 };
}

/** RGB floats in [0, 1] back to 8 bit, clamped and rounded like a model's saved output. */
function toRgb8(values: Float64Array, width: number, height: number): Rgb8 {
  return { data: Uint8Array.from(values, (v) => Math.round(255 * Math.min(1, Math.max(0, v)))), width, height, channels: 3, maxValue: 255 };
}

/** Separable Gaussian blur of each RGB channel (samples in [0, 1]), radius 3 sigma, edges replicated. */
function gaussianBlur(image: Rgb8, sigma: number): Float64Array {
  const { width, height } = image;
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const weights = kernel.map((w) => w / total);
  const clampTo = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  const pass = (src: Float64Array, horizontal: boolean): Float64Array => {
    const out = new Float64Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const [sx, sy] = horizontal ? [clampTo(x + k, width), y] : [x, clampTo(y + k, height)];
            sum += (weights[k + radius] as number) * (src[(sy * width + sx) * 3 + c] as number);
          }
          out[(y * width + x) * 3 + c] = sum;
        }
      }
    }
    return out;
  };
  return pass(pass(Float64Array.from(image.data, (v) => v / 255), true), false);
}

/** Unsharp mask: b + amount (b - blur(b)). */
function unsharpMask(image: Rgb8, amount: number, sigma: number): Rgb8 {
  const blurred = gaussianBlur(image, sigma);
  const sharpened = Float64Array.from(image.data, (v, i) => v / 255 + amount * (v / 255 - (blurred[i] as number)));
  return toRgb8(sharpened, image.width, image.height);
}

/** Gaussian noise of `sigma` per sample from a fixed-seed LCG (Box-Muller), so the baseline is the same every run. */
function withNoise(image: Rgb8, sigma: number, seed = 14): Rgb8 {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const noisy = Float64Array.from(image.data, (v) => v / 255 + sigma * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
  return toRgb8(noisy, image.width, image.height);
}

interface Baseline {
  name: string;
  image: Rgb8;
  db: number;
}

/** The non-learning baselines for `lr` at `scale`, each with its PSNR-Y against `golden`; USM is the best of its grid. */
function baselines(lr: Rgb8, scale: number, golden: Rgb8): Baseline[] {
  const scored = (name: string, image: Rgb8): Baseline => ({ name, image, db: psnrY(image, golden) });
  const bicubic = scored('bicubic', upsampledRaster(new BicubicUpsampler(lr, scale)));
  const usm = USM_SIGMAS.flatMap((sigma) => USM_AMOUNTS.map((amount) => scored(`bicubic + USM (amount ${amount}, sigma ${sigma})`, unsharpMask(bicubic.image, amount, sigma))));
  const bestUsm = usm.reduce((best, b) => (b.db > best.db ? b : best));
  return [bicubic, bestUsm, scored('bicubic + noise', withNoise(bicubic.image, NOISE_SIGMA))];
}

/** The baselines that `candidate` (PSNR-Y `db` against the golden) is not at least MARGIN_DB ahead of. */
function notBeaten(db: number, against: Baseline[]): string[] {
  return against.filter((b) => db - b.db < MARGIN_DB).map((b) => `${b.name}: ${b.db.toFixed(2)} dB, candidate ${db.toFixed(2)} dB`);
}

/** The committed crops: <name>-lr.png and its x4plus output <name>-x4plus.png. */
const CROPS = ['spoon', 'wood'] as const;
const lrFile = (crop: string) => path.join(GOLDEN, `${crop}-lr.png`);
const loadGolden = async (crop: string) => ({ lr: await rasterOf(lrFile(crop)), golden: await rasterOf(path.join(GOLDEN, `${crop}-x4plus.png`)) });

describe(`the bundled default model (${DEFAULT_MODEL_ID})`, () => {
  it('is in native-models/, passes the app’s model validation and is trained', async () => {
    const listing = await listModels({ bundledDir: BUNDLED, userDir: undefined, digestCacheFile: undefined });
    expect(listing.problems.filter((p) => path.basename(p.dir) === DEFAULT_MODEL_ID)).toEqual([]);
    const model = listing.models.find((m) => m.id === DEFAULT_MODEL_ID);
    expect(model).toMatchObject({ isDefault: true, source: 'bundled', untrained: false });
    // The folder on its own (schema, file sizes, sha256), as a user's copy of it would be checked.
    expect(await loadModelFolder(path.join(BUNDLED, DEFAULT_MODEL_ID), 'bundled')).toMatchObject({ id: DEFAULT_MODEL_ID });
  });

  it.each(CROPS)(`%s: closer to the Real-ESRGAN x4plus golden than bicubic, bicubic + unsharp mask and bicubic + noise, by ${MARGIN_DB} dB`, async (crop) => {
    const { lr, golden } = await loadGolden(crop);
    const output = path.join(dir, `${crop} x4.png`);
    const result = await engine.upscale({ input: lrFile(crop), output, model: DEFAULT_MODEL_ID, provider: 'cpu' });
    const { scale } = (await engine.model(DEFAULT_MODEL_ID)).manifest;
    expect(scale).toBe(4); // the golden is x4
    const size = { width: lr.width * scale, height: lr.height * scale };
    expect(result).toMatchObject({ model: DEFAULT_MODEL_ID, inputSize: { width: lr.width, height: lr.height }, outputSize: size });
    const sr = await rasterOf(output);
    expect({ width: sr.width, height: sr.height }).toEqual(size);

    const db = psnrY(sr, golden);
    expect(notBeaten(db, baselines(lr, scale, golden))).toEqual([]);
  });

  it.each(CROPS)('%s: the same check fails every baseline put in the model’s place (it can fail)', async (crop) => {
    const { lr, golden } = await loadGolden(crop);
    const all = baselines(lr, 4, golden);
    for (const candidate of all) {
      const others = all.filter((b) => b !== candidate);
      expect(notBeaten(candidate.db, others), candidate.name).not.toEqual([]);
    }
    // Plain bicubic is the one every non-learning baseline has to clear by the margin, and none does.
    const bicubic = all[0] as Baseline;
    for (const candidate of all.slice(1)) expect(candidate.db - bicubic.db, candidate.name).toBeLessThan(MARGIN_DB);
  });
});
