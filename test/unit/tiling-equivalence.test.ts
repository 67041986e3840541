// The key claim: for a deterministic model with a bounded receptive field r (LR px), tiling with margin >= r
// gives the whole-image result within 1/255 away from the image border (in float: within float rounding).
// Table-driven over pure-TS models, image sizes (tiny, 1 px wide, exact multiples, primes), tile rules and overlaps.
import { describe, expect, it } from 'vitest';
import type { PlanOptions, Raster, TileSpec } from '../../electron/core/tiling/index.js';
import { emptyRaster, MODELS, noiseRaster, runTiled, toChw, type ChwModel } from './tiling-testkit.js';

interface Comparison {
  /** Largest |tiled - whole| in [0,1] units over the compared pixels. */
  maxError: number;
  compared: number;
}

/** Compares HR pixels whose LR footprint lies at least `border` LR px inside the image. */
function compare(tiled: Raster, whole: Float32Array, model: ChwModel, border: number, lrWidth: number, lrHeight: number): Comparison {
  const s = model.scale;
  const { width, height, channels, maxValue, data } = tiled;
  const plane = width * height;
  const integer = !(data instanceof Float32Array);
  let maxError = 0;
  let compared = 0;
  for (let y = border * s; y < (lrHeight - border) * s; y++) {
    for (let x = border * s; x < (lrWidth - border) * s; x++) {
      for (let c = 0; c < 3; c++) {
        const reference = Math.min(1, Math.max(0, whole[c * plane + y * width + x] as number));
        const expected = integer ? Math.round(reference * maxValue) / maxValue : reference;
        const got = (data[(y * width + x) * channels + c] as number) / maxValue;
        maxError = Math.max(maxError, Math.abs(got - expected));
        compared++;
      }
    }
  }
  return { maxError, compared };
}

const SIZES: Array<[number, number]> = [
  [1, 1],
  [1, 37],
  [37, 1],
  [5, 7],
  [31, 32],
  [32, 32],
  [33, 31],
  [64, 40],
  [97, 53],
  [131, 67],
];

interface Config {
  tile: TileSpec;
  overlap: number;
}

const CONFIGS: Config[] = [
  { tile: { mode: 'fixed', size: 32 }, overlap: 10 },
  { tile: { mode: 'fixed', size: 24 }, overlap: 8 },
  { tile: { mode: 'free', size: 40, multipleOf: 8 }, overlap: 12 },
  { tile: { mode: 'free', size: 27, multipleOf: 1 }, overlap: 9 },
];

const MODEL_NAMES = ['identity', 'nearest4', 'bilinear4', 'blur2', 'blur2Nearest2', 'blur3Bilinear4'] as const;

const cases = MODEL_NAMES.flatMap((modelName) =>
  CONFIGS.filter((config) => 2 * (MODELS[modelName] as ChwModel).receptiveField < config.overlap).flatMap((config) =>
    SIZES.map(([w, h]) => ({ modelName, config, w, h })),
  ),
);

describe('tiled == whole image, away from the border', () => {
  const wholeCache = new Map<string, Float32Array>();
  const wholeResult = (model: ChwModel, source: Raster): Float32Array => {
    const key = `${model.name}/${source.width}x${source.height}`;
    let whole = wholeCache.get(key);
    if (whole === undefined) {
      whole = model.run(toChw(source), source.width, source.height);
      wholeCache.set(key, whole);
    }
    return whole;
  };

  it.each(cases)('$modelName, $w x $h LR, tile $config.tile.mode $config.tile.size, overlap $config.overlap', ({ modelName, config, w, h }) => {
    const model = MODELS[modelName] as ChwModel;
    const source = noiseRaster(w, h, w * 1000 + h);
    const whole = wholeResult(model, source);
    const plan: Omit<PlanOptions, 'width' | 'height' | 'scale'> = { ...config, margin: model.receptiveField };
    const border = model.receptiveField;

    const asFloat = emptyRaster(w * model.scale, h * model.scale, 'f32');
    runTiled(model, source, plan, asFloat);
    const float = compare(asFloat, whole, model, border, w, h);
    expect(float.maxError).toBeLessThan(1e-5);

    const as8bit = emptyRaster(w * model.scale, h * model.scale, 'u8');
    runTiled(model, source, plan, as8bit, 2);
    const quantised = compare(as8bit, whole, model, border, w, h);
    expect(quantised.maxError).toBeLessThanOrEqual(1 / 255 + 1e-9);

    if (w > 2 * border && h > 2 * border) expect(float.compared).toBeGreaterThan(0);
  });

  it('point-wise models match everywhere, borders included, even without overlap', () => {
    for (const [w, h] of [[1, 1], [7, 1], [50, 33], [64, 64], [65, 129]] as const) {
      for (const model of [MODELS['identity'], MODELS['nearest4']] as ChwModel[]) {
        const source = noiseRaster(w, h, 7);
        const out = emptyRaster(w * model.scale, h * model.scale, 'f32');
        runTiled(model, source, { tile: { mode: 'fixed', size: 16 }, overlap: 0 }, out);
        expect(compare(out, model.run(toChw(source), w, h), model, 0, w, h).maxError).toBeLessThan(1e-6);
      }
    }
  });

  it('16-bit output agrees with the whole image to one 16-bit step', () => {
    const model = MODELS['blur3Bilinear4'] as ChwModel;
    const source = noiseRaster(70, 45, 3, 'u16');
    const out = emptyRaster(280, 180, 'u16');
    runTiled(model, source, { tile: { mode: 'fixed', size: 32 }, overlap: 10, margin: 4 }, out);
    const result = compare(out, model.run(toChw(source), 70, 45), model, 4, 70, 45);
    expect(result.maxError).toBeLessThanOrEqual(1 / 65535 + 1e-9);
  });

  it('negative control: a margin smaller than the receptive field shows seams (the check above can fail)', () => {
    const model = MODELS['blur2'] as ChwModel;
    const source = noiseRaster(90, 90, 11);
    const out = emptyRaster(90, 90, 'f32');
    const whole = model.run(toChw(source), 90, 90);
    runTiled(model, source, { tile: { mode: 'fixed', size: 32 }, overlap: 10, margin: 0 }, out);
    expect(compare(out, whole, model, 2, 90, 90).maxError).toBeGreaterThan(1e-4);
    runTiled(model, source, { tile: { mode: 'fixed', size: 32 }, overlap: 0 }, out);
    expect(compare(out, whole, model, 2, 90, 90).maxError).toBeGreaterThan(2 / 255);
  });
});
