// The API service end to end in Node: the real EngineClient (worker process, onnxruntime, sharp) with the committed
// fixture model, real image files. Two good files and a corrupt one give two outputs of the right size and one
// failure with a clear message; a region preview renders the model's and bicubic's view of the same region; a queue
// interrupted by closing the service resumes in a new service on the same data folder.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiService, type ApiService } from '../../electron/core/api/index.js';
import { defaultWorkerPath, EngineClient } from '../../electron/core/engine/index.js';
import { packageRoot } from '../../electron/core/models/index.js';
import { API_CALLS, type QueueSnapshot } from '../../electron/core/shared/api.js';
import { makeTempDir, readMetadata, removeTempDir, writeTestImage, writeTruncatedImage } from '../helpers/images.js';

const FIXTURE_MODELS = path.join(packageRoot(), 'test', 'fixtures', 'models');
const MODEL = 'generic-x4-tiny';

let dir: string;
let engine: EngineClient;

beforeAll(async () => {
  if (!existsSync(defaultWorkerPath())) throw new Error(`${defaultWorkerPath()} is missing: run \`npm run build\` before the integration tests.`);
  dir = await makeTempDir('api');
  engine = new EngineClient({ config: { models: { bundledDir: FIXTURE_MODELS, userDir: null, digestCacheFile: null }, threads: 1 } });
});

afterAll(async () => {
  await engine.close();
  await removeTempDir(dir);
});

async function openService(dataDir: string): Promise<ApiService> {
  const service = await createApiService({ engine, dataDir, modelLocations: { bundledDir: FIXTURE_MODELS, userDir: undefined, digestCacheFile: undefined } });
  await service.invoke('settings/set', { defaults: { model: MODEL, provider: 'cpu', tile: 32, overlap: 8 } });
  return service;
}

function nextFinish(service: ApiService): Promise<QueueSnapshot> {
  return new Promise((resolve) => {
    const off = service.on('queue/finished', () => {
      off();
      void service.invoke('queue/list', {}).then(resolve);
    });
  });
}

describe('ApiService with the real engine', () => {
  it('two good files and a corrupt one: two outputs of the right size, one clear failure, a summary', async () => {
    const service = await openService(path.join(dir, 'data-batch'));
    const inputs = path.join(dir, 'batch');
    await writeTestImage(path.join(inputs, 'one.png'), { width: 40, height: 24, format: 'png' });
    await writeTestImage(path.join(inputs, 'two.jpg'), { width: 24, height: 36, format: 'jpeg' });
    const corrupt = await writeTruncatedImage(path.join(inputs, 'three.png'), 'png');
    const outputDir = path.join(dir, 'out batch');
    await service.invoke('settings/set', { defaults: { outputDir } });

    const added = await service.invoke('queue/add', { paths: [inputs] });
    expect(added.added).toHaveLength(3);
    const progress: number[] = [];
    service.on('item/progress', (p) => progress.push(p.overall.fraction));
    const finished = nextFinish(service);
    await service.invoke('queue/start', {});
    const end = await finished;
    expect(API_CALLS['queue/list'].result.parse(end)).toEqual(end);

    const byName = Object.fromEntries(end.items.map((i) => [i.name, i]));
    expect(byName['one.png']).toMatchObject({ state: 'done', result: { outcome: 'written', outputSize: { width: 160, height: 96 }, provider: 'cpu' } });
    expect(byName['two.jpg']).toMatchObject({ state: 'done', result: { outputSize: { width: 96, height: 144 } } });
    expect(await readMetadata(path.join(outputDir, `one_${MODEL}_x4.png`))).toMatchObject({ width: 160, height: 96, format: 'png' });
    expect(await readMetadata(path.join(outputDir, `two_${MODEL}_x4.png`))).toMatchObject({ width: 96, height: 144, format: 'png' });
    expect(byName['three.png']).toMatchObject({ state: 'failed', error: { code: 'INPUT_CORRUPT', path: corrupt } });
    expect(byName['three.png']?.error?.message).toMatch(/three\.png.*(truncated|damaged)/);
    expect((await fs.readdir(outputDir)).sort()).toEqual([`one_${MODEL}_x4.png`, `two_${MODEL}_x4.png`]); // nothing partial
    expect(end.summary).toMatchObject({ done: 2, failed: [{ input: corrupt }], outputDirs: [outputDir] });
    expect(end.overall).toMatchObject({ done: 2, failed: 1, fraction: 1 });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((f) => f >= 0 && f <= 1)).toBe(true);

    const models = await service.invoke('models/list', {});
    expect(models.models.find((m) => m.id === MODEL)?.speed).toMatchObject({ provider: 'cpu', msPerMegapixel: expect.any(Number) });

    // Region preview of the first item: the model's and bicubic's x4 view of the same region, served by handle.
    const one = byName['one.png']!;
    const preview = await service.invoke('preview/region', { id: one.id, rect: { x: 8, y: 4, width: 20, height: 30 } });
    expect(preview).toMatchObject({ rect: { x: 8, y: 4, width: 20, height: 20 }, scale: 4, model: MODEL, upscaled: { width: 80, height: 80 }, bicubic: { width: 80, height: 80 } });
    for (const ref of [preview.upscaled, preview.bicubic]) {
      const file = await service.resolveImage(ref.handle);
      expect(file.contentType).toBe('image/png');
      expect(await readMetadata(file.path)).toMatchObject({ width: 80, height: 80 });
    }
    await expect(service.invoke('preview/region', { id: one.id, rect: { x: 40, y: 0, width: 4, height: 4 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Only exact handles resolve: no trailing segments that could be mistaken for a path.
    await expect(service.resolveImage(`item/${one.id}/input/../../etc/passwd`)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(service.resolveImage('/etc/passwd')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await service.close();
  });

  it('a queue interrupted by closing the app resumes in a new service on the same data folder', async () => {
    const dataDir = path.join(dir, 'data-resume');
    const inputs = path.join(dir, 'resume');
    for (const name of ['a', 'b', 'c']) await writeTestImage(path.join(inputs, `${name}.png`), { width: 64, height: 64, format: 'png' });
    const first = await openService(dataDir);
    await first.invoke('queue/add', { paths: [inputs] });
    const started = new Promise<void>((resolve) => {
      const off = first.on('item/progress', () => {
        off();
        resolve();
      });
    });
    await first.invoke('queue/start', {});
    await started;
    await first.close(); // the running item is stopped (nothing written) and goes back to queued
    const saved = JSON.parse(await fs.readFile(path.join(dataDir, 'queue.json'), 'utf8')) as { status: string; items: { state: string }[] };
    expect(saved.status).toBe('running');
    expect(saved.items.some((i) => i.state === 'running')).toBe(false);

    const second = await createApiService({ engine, dataDir, modelLocations: { bundledDir: FIXTURE_MODELS, userDir: undefined, digestCacheFile: undefined } });
    const finished = nextFinish(second);
    const end = await finished; // resumed by itself
    expect(end.items.map((i) => i.state)).toEqual(['done', 'done', 'done']);
    expect((await fs.readdir(path.join(inputs, 'upscaled'))).sort()).toEqual(['a', 'b', 'c'].map((n) => `${n}_${MODEL}_x4.png`));
    await second.close();
  });

  it('an engine crash fails the running item with the reason, the engine restarts and the queue goes on', async () => {
    const service = await openService(path.join(dir, 'data-crash'));
    const inputs = path.join(dir, 'crash');
    await writeTestImage(path.join(inputs, 'a.png'), { width: 192, height: 192, format: 'png' }); // many tiles: killed long before the end
    await writeTestImage(path.join(inputs, 'b.png'), { width: 64, height: 64, format: 'png' });
    await service.invoke('queue/add', { paths: [inputs] });
    const statuses: string[] = [];
    service.on('engine/status', (s) => statuses.push(s.state));
    const off = service.on('item/progress', () => {
      off();
      process.kill(engine.pid!, 'SIGKILL'); // the worker dies mid-item, as on a native crash
    });
    const finished = nextFinish(service);
    await service.invoke('queue/start', {});
    const end = await finished;
    expect(end.items[0]).toMatchObject({ state: 'failed', error: { code: 'ENGINE_CRASHED', message: expect.stringContaining('SIGKILL') } });
    expect(end.items[1]).toMatchObject({ state: 'done', result: { outputSize: { width: 256, height: 256 } } });
    expect(statuses).toEqual(['crashed', 'restarted']);
    expect(await fs.readdir(path.join(inputs, 'upscaled'))).toEqual([`b_${MODEL}_x4.png`]);
    await service.close();
  });

  it('cancelling the running item stops it in the engine and leaves no file, not even a partial one', async () => {
    const service = await openService(path.join(dir, 'data-cancel'));
    const inputs = path.join(dir, 'cancel');
    await writeTestImage(path.join(inputs, 'big.png'), { width: 192, height: 192, format: 'png' });
    const { added } = await service.invoke('queue/add', { paths: [inputs] });
    const off = service.on('item/progress', () => {
      off();
      void service.invoke('queue/cancel', { ids: added });
    });
    const finished = nextFinish(service);
    await service.invoke('queue/start', {});
    const end = await finished;
    expect(end.items[0]).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
    expect(end.summary).toMatchObject({ done: 0, cancelled: 1 });
    expect(existsSync(path.join(inputs, 'upscaled')) ? await fs.readdir(path.join(inputs, 'upscaled')) : []).toEqual([]);
    await service.close();
  });
});
