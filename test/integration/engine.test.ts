// The engine in-process with real onnxruntime-node sessions on the committed fixture models and real image files
// written by sharp: output sizes, tiled == whole away from the border, cancel, provider fallback, alpha, 16-bit.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/engine/engine.js';
import { packageRoot } from '../../electron/core/models/index.js';
import type { EngineEvent } from '../../electron/core/shared/engine-protocol.js';
import { makeTempDir, meanAbsDiff, readMetadata, readStoredPixels, removeTempDir, writeTestImage } from '../helpers/images.js';

const FIXTURE_MODELS = path.join(packageRoot(), 'test', 'fixtures', 'models');
const GENERIC = 'generic-x4-tiny';
const TINYSR = 'tinysr-tiny';

let dir: string;
let engine: Engine;

beforeAll(async () => {
  dir = await makeTempDir();
  engine = new Engine({ models: { bundledDir: FIXTURE_MODELS, userDir: null, digestCacheFile: null }, threads: 1 });
});

afterAll(async () => {
  await engine.dispose();
  await removeTempDir(dir);
});

async function upscale(input: string, output: string, options: Partial<Parameters<Engine['upscale']>[0]> = {}, events: EngineEvent[] = []) {
  return engine.upscale({ input, output, model: GENERIC, provider: 'cpu', ...options }, { onEvent: (e) => events.push(e) });
}

describe('engine (in-process, real onnxruntime and sharp)', () => {
  it('upscales x4 with the generic fixture, reporting every tile', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'gradient photo.jpg'), { width: 70, height: 45, format: 'jpeg' });
    const output = path.join(dir, 'out', 'gradient photo x4.png');
    const events: EngineEvent[] = [];
    const result = await upscale(input, output, { tile: 32, overlap: 8 }, events);
    expect(result).toMatchObject({ outputSize: { width: 280, height: 180 }, inputSize: { width: 70, height: 45 }, provider: 'cpu', tile: 32 });
    expect(await readMetadata(output)).toMatchObject({ width: 280, height: 180, format: 'png' });
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress).toHaveLength(result.tiles);
    expect(progress.map((e) => e.tile)).toEqual([...Array(result.tiles).keys()].map((i) => i + 1));
    expect(progress.at(-1)).toMatchObject({ tile: result.tiles, tiles: result.tiles, etaMs: 0 });
    expect(result.runMs).toBeGreaterThan(0);
    expect(result.runMs).toBeLessThanOrEqual(result.wallMs);
  });

  it('upscales 128 px tiles to 512 with the TinySR fixture (fixed tile, reflect-padded, AdaIN colour fix)', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'small.png'), { width: 150, height: 28, format: 'png' });
    const output = path.join(dir, 'out', 'small-tinysr.png');
    const result = await upscale(input, output, { model: TINYSR });
    expect(result).toMatchObject({ outputSize: { width: 600, height: 112 }, tile: 128, tiles: 2 });
    expect(await readMetadata(output)).toMatchObject({ width: 600, height: 112 });
    // AdaIN gives the output the input's per-channel mean (the untrained model alone does not).
    const channelMeans = (p: { data: ArrayLike<number>; channels: number }) =>
      [0, 1, 2].map((c) => {
        let sum = 0;
        for (let i = c; i < p.data.length; i += p.channels) sum += p.data[i] ?? 0;
        return sum / (p.data.length / p.channels);
      });
    const [lrMeans, srMeans] = [channelMeans(await readStoredPixels(input)), channelMeans(await readStoredPixels(output))];
    lrMeans.forEach((mean, c) => expect(Math.abs((srMeans[c] ?? 0) - mean)).toBeLessThan(2));
  });

  it('gives the same result tiled and whole, within 1/255 away from the border', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'seams.png'), { width: 96, height: 72, format: 'png' });
    const tiled = path.join(dir, 'out', 'seams-tiled.png');
    const whole = path.join(dir, 'out', 'seams-whole.png');
    const tiledResult = await upscale(input, tiled, { tile: 32, overlap: 8 });
    const wholeResult = await upscale(input, whole, { tile: 96, overlap: 0 });
    expect(tiledResult.tiles).toBeGreaterThan(4);
    expect(wholeResult.tiles).toBe(1);
    const a = await readStoredPixels(tiled);
    const b = await readStoredPixels(whole);
    const border = 3 * 4; // the fixture's receptive field (3 LR px) at x4
    let worst = 0;
    for (let y = border; y < a.height - border; y++) {
      for (let x = border; x < a.width - border; x++) {
        for (let c = 0; c < 3; c++) {
          const i = (y * a.width + x) * a.channels + c;
          worst = Math.max(worst, Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0)));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('stops between tiles on cancel and leaves nothing in the output folder', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'cancel.png'), { width: 96, height: 96, format: 'png' });
    const outDir = path.join(dir, 'cancelled');
    const controller = new AbortController();
    const seen: number[] = [];
    const job = engine.upscale(
      { input, output: path.join(outDir, 'cancel.png'), model: GENERIC, provider: 'cpu', tile: 32, overlap: 8, batch: 1 },
      {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type !== 'progress') return;
          seen.push(e.tile);
          if (e.tile === 2) controller.abort();
        },
      },
    );
    await expect(job).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toEqual([1, 2]);
    expect(await fs.readdir(outDir).catch(() => [])).toEqual([]);
  });

  it('falls back to cpu with a notice when the chosen provider does not work here', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'fallback.png'), { width: 20, height: 20, format: 'png' });
    const events: EngineEvent[] = [];
    // coreml is macOS-only and dml Windows-only: on Linux onnxruntime-node cannot create either.
    const provider = process.platform === 'darwin' ? 'dml' : 'coreml';
    const result = await upscale(input, path.join(dir, 'out', 'fallback.png'), { provider }, events);
    expect(result.provider).toBe('cpu');
    const notice = events.find((e) => e.type === 'notice');
    expect(notice).toMatchObject({ type: 'notice', code: 'provider-fallback', details: { from: provider, to: 'cpu' } });
  });

  it('keeps alpha and 16-bit depth through the pipeline', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'alpha16.png'), { width: 24, height: 16, format: 'png', alpha: true, bitDepth: 16 });
    const output = path.join(dir, 'out', 'alpha16.png');
    await upscale(input, output);
    expect(await readMetadata(output)).toMatchObject({ width: 96, height: 64, channels: 4, hasAlpha: true, depth: 'ushort' });
  });

  it('resizes the model output to x2 or a long edge when asked, alpha and 16-bit kept', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'sized.png'), { width: 30, height: 20, format: 'png', alpha: true, bitDepth: 16 });
    const x2 = await upscale(input, path.join(dir, 'out', 'sized x2.png'), { size: { kind: 'scale', factor: 2 } });
    expect(x2.outputSize).toEqual({ width: 60, height: 40 });
    expect(await readMetadata(path.join(dir, 'out', 'sized x2.png'))).toMatchObject({ width: 60, height: 40, channels: 4, depth: 'ushort' });
    const edge = await upscale(input, path.join(dir, 'out', 'sized 200.png'), { size: { kind: 'long-edge', pixels: 200 } });
    expect(edge.outputSize).toEqual({ width: 200, height: 133 });
    expect(await readMetadata(path.join(dir, 'out', 'sized 200.png'))).toMatchObject({ width: 200, height: 133 });
    await expect(upscale(input, path.join(dir, 'out', 'sized huge.png'), { size: { kind: 'long-edge', pixels: 65_535 }, maxMegapixels: 1 })).rejects.toMatchObject({
      code: 'INPUT_TOO_LARGE',
      message: expect.stringContaining('ask for a smaller size'),
    });
  });

  it('refuses an existing output unless asked, before doing any work', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'exists.png'), { width: 16, height: 16, format: 'png' });
    const output = path.join(dir, 'out', 'exists.png');
    await fs.mkdir(path.dirname(output), { recursive: true });
    await fs.writeFile(output, 'keep me');
    const events: EngineEvent[] = [];
    await expect(upscale(input, output, {}, events)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect(events.some((e) => e.type === 'progress')).toBe(false);
    expect(await fs.readFile(output, 'utf8')).toBe('keep me');
    await upscale(input, output, { overwrite: true });
    expect(await readMetadata(output)).toMatchObject({ width: 64, height: 64 });
  });

  it('runs the fp16 file when asked, close to the fp32 result', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'precision.png'), { width: 32, height: 24, format: 'png' });
    const fp32 = path.join(dir, 'out', 'precision-fp32.png');
    const fp16 = path.join(dir, 'out', 'precision-fp16.png');
    await upscale(input, fp32);
    expect(await upscale(input, fp16, { precision: 'fp16' })).toMatchObject({ precision: 'fp16', outputSize: { width: 128, height: 96 } });
    const a = await readStoredPixels(fp32);
    const b = await readStoredPixels(fp16);
    expect(meanAbsDiff(a.data, b.data)).toBeLessThan(1); // mean error under one 8-bit step
  });

  it('applies the configured pixel limit before decoding', async () => {
    const limited = new Engine({ models: { bundledDir: FIXTURE_MODELS, userDir: null, digestCacheFile: null }, maxOutputPixels: 100_000 });
    const input = await writeTestImage(path.join(dir, 'in', 'limit.png'), { width: 100, height: 80, format: 'png' });
    await expect(limited.upscale({ input, output: path.join(dir, 'out', 'limit.png'), model: GENERIC, provider: 'cpu' })).rejects.toMatchObject({ code: 'INPUT_TOO_LARGE' });
    await limited.dispose();
  });

  it('rejects a tile size the model does not allow, naming the rule', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'tile.png'), { width: 16, height: 16, format: 'png' });
    await expect(upscale(input, path.join(dir, 'out', 'tile.png'), { tile: 8 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/multiples of 1 from 16 to 512/),
    });
  });
});
