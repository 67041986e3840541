// The engine in its own process, driven through EngineClient: the worker compiled to dist/ (npm test builds it
// first), real onnxruntime and sharp, typed messages both ways, errors rebuilt as AppErrors, cancel as a message,
// and a crash that fails the current job while the next one gets a fresh engine.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWorkerPath, EngineClient } from '../../electron/core/engine/engine-client.js';
import { packageRoot } from '../../electron/core/models/index.js';
import type { EngineEvent } from '../../electron/core/shared/engine-protocol.js';
import { AppError } from '../../electron/core/shared/errors.js';
import { makeTempDir, readMetadata, removeTempDir, writeNotAnImage, writeTestImage } from '../helpers/images.js';

const FIXTURE_MODELS = path.join(packageRoot(), 'test', 'fixtures', 'models');

let dir: string;
let client: EngineClient;
let input: string;

beforeAll(async () => {
  if (!existsSync(defaultWorkerPath())) throw new Error(`${defaultWorkerPath()} is missing: run \`npm run build\` before the integration tests.`);
  dir = await makeTempDir();
  client = new EngineClient({ config: { models: { bundledDir: FIXTURE_MODELS, userDir: null, digestCacheFile: null }, threads: 1 } });
  input = await writeTestImage(path.join(dir, 'in', 'photo ü.png'), { width: 96, height: 64, format: 'png' });
});

afterAll(async () => {
  await client.close();
  await removeTempDir(dir);
});

const job = (output: string) => ({ input, output, model: 'generic-x4-tiny', provider: 'cpu' as const, tile: 32, overlap: 8, batch: 1 });

describe('EngineClient (worker process)', () => {
  it('upscales in a separate process and streams typed events', async () => {
    await client.start();
    expect(client.pid).toBeDefined();
    expect(client.pid).not.toBe(process.pid);
    const events: EngineEvent[] = [];
    const output = path.join(dir, 'out', 'a.png');
    const result = await client.upscale(job(output), { onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ output, outputSize: { width: 384, height: 256 }, provider: 'cpu' });
    expect(events.filter((e) => e.type === 'progress')).toHaveLength(result.tiles);
    expect(events.filter((e) => e.type === 'stage').map((e) => e.type === 'stage' && e.stage)).toEqual(['loading-model', 'decoding', 'upscaling', 'encoding']);
    expect(await readMetadata(output)).toMatchObject({ width: 384, height: 256 });
  });

  it('rebuilds errors from the worker as AppErrors with code and path', async () => {
    const missing = path.join(dir, 'nope.png');
    const error = await client.upscale({ ...job(path.join(dir, 'out', 'x.png')), input: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'INPUT_NOT_FOUND', path: missing });
    await expect(client.upscale({ ...job(path.join(dir, 'out', 'y.png')), model: 'no-such-model' })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('rejects an invalid request on its own, keeping the worker', async () => {
    const pid = client.pid;
    await expect(client.upscale({ ...job(path.join(dir, 'out', 'q.png')), quality: 500 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/quality: .*100/),
    });
    expect(client.pid).toBe(pid);
    expect(() => new EngineClient({ config: { threads: -1 } })).toThrow(/Engine config: threads/);
  });

  it('cancels through a message and leaves no file behind', async () => {
    const outDir = path.join(dir, 'cancel');
    const controller = new AbortController();
    const pending = client.upscale(job(path.join(outDir, 'c.png')), {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.tile === 1) controller.abort();
      },
    });
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await fs.readdir(outDir).catch(() => [])).toEqual([]);
  });

  it('fails the running job with ENGINE_CRASHED when the worker dies, and starts a fresh one for the next', async () => {
    const outDir = path.join(dir, 'crash');
    const firstPid = client.pid;
    const pending = client.upscale(job(path.join(outDir, 'k.png')), {
      onEvent: (e) => {
        if (e.type === 'progress' && e.tile === 1 && client.pid) process.kill(client.pid, 'SIGKILL');
      },
    });
    await expect(pending).rejects.toMatchObject({ code: 'ENGINE_CRASHED', details: { signal: 'SIGKILL' } });
    expect(await fs.readdir(outDir).catch(() => [])).toEqual([]);
    const result = await client.upscale(job(path.join(outDir, 'after.png')));
    expect(result.outputSize).toEqual({ width: 384, height: 256 });
    expect(client.pid).not.toBe(firstPid);
  });

  it('probes the providers by name in the worker', async () => {
    const report = await client.probe();
    expect(report.providers.find((p) => p.name === 'cpu')).toMatchObject({ ok: true });
    for (const p of report.providers.filter((x) => !x.ok)) expect(p.reason).toBeTruthy();
    expect(report.auto).toBe('cpu');
  });

  it('inspects image headers in the worker: format and size per path, or that path\'s error', async () => {
    const notImage = await writeNotAnImage(path.join(dir, 'in', 'notes.png'));
    const missing = path.join(dir, 'in', 'gone.png');
    const { images } = await client.inspect({ paths: [input, notImage, missing] });
    expect(images).toEqual([
      { path: input, ok: true, format: 'png', width: 96, height: 64 },
      { path: notImage, ok: false, error: expect.objectContaining({ code: 'INPUT_NOT_IMAGE', path: notImage }) },
      { path: missing, ok: false, error: expect.objectContaining({ code: 'INPUT_NOT_FOUND', path: missing }) },
    ]);
  });

  it('renders a region preview in the worker: the model and bicubic x4 of the region, clipped to the image', async () => {
    const folder = path.join(dir, 'preview');
    const events: EngineEvent[] = [];
    const preview = await client.preview(
      { input, rect: { x: 80, y: 10, width: 40, height: 12 }, model: 'generic-x4-tiny', provider: 'cpu', tile: 32, overlap: 8, dir: folder },
      { onEvent: (e) => events.push(e) },
    );
    expect(preview).toMatchObject({ rect: { x: 80, y: 10, width: 16, height: 12 }, scale: 4, size: { width: 64, height: 48 }, provider: 'cpu' });
    expect(events.some((e) => e.type === 'progress')).toBe(true);
    for (const file of [preview.upscaled, preview.bicubic]) expect(await readMetadata(file)).toMatchObject({ format: 'png', width: 64, height: 48 });
    expect((await fs.readdir(folder)).sort()).toEqual(['bicubic.png', 'upscaled.png']); // the crop and its upscale are gone
    const outside = client.preview({ input, rect: { x: 96, y: 0, width: 4, height: 4 }, model: 'generic-x4-tiny', dir: folder });
    await expect(outside).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const cancelled = client.preview({ input, rect: { x: 0, y: 0, width: 8, height: 8 }, model: 'generic-x4-tiny', dir: folder }, { signal: AbortSignal.abort() });
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
