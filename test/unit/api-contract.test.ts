// The API contract and the service's validation: every call and event is a schema; the service rejects what the
// contract does not allow (naming the field), answers with results the contract's result schemas accept, and maps
// image handles to files only for added inputs, written outputs and previews. The engine is a fake here (the real one
// is in test/integration/api-service.test.ts); models are the committed fixtures.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createApiService, type ApiEngine, type ApiService } from '../../electron/core/api/index.js';
import { inspectImages, renderDisplayCopy, renderRegionPreview } from '../../electron/core/engine/image-requests.js';
import { inspectModelFile } from '../../electron/core/engine/model-inspection.js';
import type { DisplayRequest, InspectModelRequest, InspectRequest, JobOptions, PreviewRequest, UpscaleRequest, UpscaleResult } from '../../electron/core/engine/index.js';
import { PreviewRequestSchema } from '../../electron/core/shared/engine-protocol.js';
import { packageRoot } from '../../electron/core/models/index.js';
import {
  API_CALL_IDS,
  API_CALLS,
  API_EVENT_IDS,
  API_EVENTS,
  type ApiArgs,
  type ApiCallId,
  type ApiEventMessage,
  type ApiResult,
  type Backend,
  type QueueSnapshot,
} from '../../electron/core/shared/api.js';
import { makeTempDir, readMetadata, removeTempDir, writeNotAnImage, writeTestImage } from '../helpers/images.js';

const FIXTURE_MODELS = path.join(packageRoot(), 'test', 'fixtures', 'models');

class FakeEngine implements ApiEngine {
  readonly requests: UpscaleRequest[] = [];
  async upscale(request: UpscaleRequest, options: JobOptions = {}): Promise<UpscaleResult> {
    this.requests.push(request);
    options.onEvent?.({ type: 'progress', tile: 1, tiles: 1, ms: 5, elapsedMs: 5, etaMs: 0 });
    await fs.mkdir(path.dirname(request.output), { recursive: true });
    await fs.copyFile(request.input, request.output);
    const size = { width: 16, height: 12 };
    return { input: request.input, output: request.output, model: request.model, inputSize: size, outputSize: { width: 64, height: 48 }, provider: 'cpu', precision: 'fp32', tile: 16, batch: 1, tiles: 1, wallMs: 6, runMs: 5 };
  }
  async probe() {
    return { model: 'generic-x4-tiny', providers: [{ name: 'cpu' as const, ok: true, ms: 3 }], auto: 'cpu' as const };
  }
  /** The engine's real model inspection (onnxruntime on the CPU), run in this process. */
  inspectModel(request: InspectModelRequest) {
    return inspectModelFile(request.file, 1);
  }
  /** The engine's real display copy (TIFF to PNG), run in this process. */
  display(request: DisplayRequest) {
    return renderDisplayCopy(request);
  }
  /** The engine's real header probe, run in this process. */
  inspect(request: InspectRequest, options: JobOptions = {}) {
    return inspectImages(request, options.signal);
  }
  /** The engine's real preview steps around this fake's upscale. */
  preview(request: PreviewRequest, options: JobOptions = {}) {
    return renderRegionPreview(PreviewRequestSchema.parse(request), { signal: options.signal, upscale: (upscale) => this.upscale(upscale, options) });
  }
}

let dir: string;
let service: ApiService;
let engine: FakeEngine;
let events: ApiEventMessage[];

/** Calls through the service and checks the answer against the contract's result schema. */
async function call<K extends ApiCallId>(id: K, args: ApiArgs<K>): Promise<ApiResult<K>> {
  const result = await service.invoke(id, args);
  expect(() => API_CALLS[id].result.parse(result)).not.toThrow();
  return result;
}

function finished(): Promise<QueueSnapshot> {
  return new Promise((resolve) => {
    const off = service.on('queue/finished', () => {
      off();
      void service.invoke('queue/list', {}).then(resolve);
    });
  });
}

beforeEach(async () => {
  dir = await makeTempDir('api');
  engine = new FakeEngine();
  events = [];
  service = await createApiService({
    engine,
    dataDir: path.join(dir, 'data'),
    modelLocations: { bundledDir: FIXTURE_MODELS, userDir: undefined, digestCacheFile: undefined },
  });
  service.onAny((m) => events.push(m));
});
afterEach(async () => {
  await service.close();
  await removeTempDir(dir);
});

describe('the contract', () => {
  it('names every call and event with a namespaced id and gives each a schema', () => {
    for (const id of API_CALL_IDS) {
      expect(id).toMatch(/^[a-z]+\/[a-z-]+$/);
      expect(API_CALLS[id].args.safeParse).toBeTypeOf('function');
      expect(API_CALLS[id].result.safeParse).toBeTypeOf('function');
    }
    for (const id of API_EVENT_IDS) {
      expect(id).toMatch(/^[a-z]+\/[a-z-]+$/);
      expect(API_EVENTS[id].safeParse).toBeTypeOf('function');
    }
  });

  it('derives the Backend types from the schemas', () => {
    expectTypeOf<ApiArgs<'queue/add'>>().toEqualTypeOf<{ paths: string[]; recursive?: boolean | undefined }>();
    expectTypeOf<ApiResult<'queue/list'>>().toEqualTypeOf<QueueSnapshot>();
    expectTypeOf<Backend['on']>().returns.toEqualTypeOf<() => void>();
    // The service is usable as a Backend in-process (what browser mode and IPC wrap).
    expectTypeOf<Pick<ApiService, 'invoke' | 'on'>>().toMatchTypeOf<Backend>();
  });
});

describe('ApiService validation', () => {
  it('rejects unknown calls and arguments the contract does not allow, naming the field', async () => {
    await expect(service.invoke('queue/nope' as ApiCallId, {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('queue/add') });
    await expect(service.invoke('queue/add', { paths: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('paths') });
    await expect(service.invoke('queue/add', { paths: ['/x'], extra: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('extra') });
    await expect(service.invoke('settings/set', { defaults: { quality: 101 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('defaults.quality') });
    await expect(service.invoke('queue/update-item', { ids: ['x'], reset: ['path'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(service.invoke('queue/update-item', { ids: ['no-such-id'], set: { format: 'png' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('no-such-id') });
  });

  it('takes ~ in a typed output folder as the home folder, and says how to write a folder it refuses', async () => {
    const saved = await service.invoke('settings/set', { defaults: { outputDir: '~/Upscaled' } });
    expect(saved.defaults.outputDir).toBe(path.join(os.homedir(), 'Upscaled'));
    await expect(service.invoke('settings/set', { defaults: { outputDir: 'Upscaled' } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/full path such as .*~\/Upscaled/),
    });
  });

  it('adds images from files and folders by extension and content, rejecting the rest with reasons', async () => {
    const good = await writeTestImage(path.join(dir, 'in', 'a.png'), { width: 16, height: 12, format: 'png' });
    await writeTestImage(path.join(dir, 'in', 'sub', 'b.jpg'), { width: 16, height: 12, format: 'jpeg' });
    await writeTestImage(path.join(dir, 'in', 'upscaled', 'old.png'), { width: 16, height: 12, format: 'png' }); // an earlier output folder
    await writeNotAnImage(path.join(dir, 'in', 'notes.txt'));
    const fake = await writeNotAnImage(path.join(dir, 'in', 'fake.png'));
    const added = await call('queue/add', { paths: [path.join(dir, 'in'), path.join(dir, 'missing.png')], recursive: true });
    expect(added.snapshot.items.map((i) => path.relative(dir, i.input))).toEqual([path.join('in', 'a.png'), path.join('in', 'sub', 'b.jpg')]);
    expect(added.rejected).toEqual([
      expect.objectContaining({ path: path.join(dir, 'missing.png'), error: expect.objectContaining({ code: 'INPUT_NOT_FOUND' }) }),
      expect.objectContaining({ path: fake, error: expect.objectContaining({ code: 'INPUT_NOT_IMAGE' }) }),
    ]);
    expect(added.snapshot.items[0]).toMatchObject({ inputSize: { width: 16, height: 12 }, inputImage: { handle: `item/${added.added[0]}/input`, width: 16 } });
    const flat = await call('queue/add', { paths: [path.join(dir, 'in')], recursive: false });
    expect(flat.added).toEqual([]); // a.png is already queued; sub/ is not scanned
    const explicit = await service.invoke('queue/add', { paths: [path.join(dir, 'in', 'notes.txt')] });
    expect(explicit.rejected[0]?.error).toMatchObject({ code: 'INPUT_NOT_IMAGE', message: expect.stringContaining('extension') });
    expect(good).toBeTruthy();
  });

  it('runs the queue, reports the summary, and serves only allowed images by handle', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'a.png'), { width: 16, height: 12, format: 'png' });
    const { added } = await call('queue/add', { paths: [input] });
    const id = added[0]!;
    await expect(service.resolveImage(`item/${id}/output`)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' }); // not written yet
    expect(await service.resolveImage(`item/${id}/input`)).toEqual({ path: input, contentType: 'image/png' });
    const done = finished();
    await call('queue/start', {});
    const end = await done;
    expect(end.items[0]).toMatchObject({ state: 'done', result: { outcome: 'written', model: 'generic-x4-tiny' } });
    expect(engine.requests[0]).toMatchObject({ model: 'generic-x4-tiny', format: 'png', overwrite: false });
    expect(await service.resolveImage(`item/${id}/output`)).toEqual({ path: path.join(dir, 'in', 'upscaled', 'a_generic-x4-tiny_x4.png'), contentType: 'image/png' });
    for (const handle of [input, '../../etc/passwd', `item/${id}/../../x`, 'preview/x/upscaled', `item/${id}`]) {
      await expect(service.resolveImage(handle)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    expect(events.map((e) => e.event)).toContain('item/progress');
    for (const message of events) expect(() => API_EVENTS[message.event].parse(message.payload)).not.toThrow();
  });

  it('serves a TIFF, which browsers cannot show, as a PNG copy the engine made (converted once)', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'scan.tif'), { width: 16, height: 12, format: 'tiff' });
    const { added } = await call('queue/add', { paths: [input] });
    const shown = await service.resolveImage(`item/${added[0]!}/input`);
    expect(shown.contentType).toBe('image/png');
    expect(path.dirname(shown.path)).toBe(path.join(dir, 'data', 'display'));
    expect(await readMetadata(shown.path)).toMatchObject({ format: 'png', width: 16, height: 12 });
    const again = await service.resolveImage(`item/${added[0]!}/input`);
    expect(again.path).toBe(shown.path);
  });

  it('keeps a model\'s measured speed across a restart, for its card', async () => {
    await call('models/list', {});
    const input = await writeTestImage(path.join(dir, 'in', 'timed.png'), { width: 16, height: 12, format: 'png' });
    await call('queue/add', { paths: [input] });
    const done = finished();
    await call('queue/start', {});
    await done;
    const measured = (await call('models/list', {})).models.find((m) => m.id === 'generic-x4-tiny')?.speed;
    expect(measured).toMatchObject({ provider: 'cpu', msPerMegapixel: expect.any(Number) });
    await expect.poll(async () => fs.readFile(path.join(dir, 'data', 'model-speeds.json'), 'utf8').catch(() => '')).toContain('generic-x4-tiny');
    await service.close();

    service = await createApiService({ engine, dataDir: path.join(dir, 'data'), modelLocations: { bundledDir: FIXTURE_MODELS, userDir: undefined, digestCacheFile: undefined } });
    const listing = await call('models/list', {});
    expect(listing.models.find((m) => m.id === 'generic-x4-tiny')?.speed).toEqual(measured);
    expect(listing.models.find((m) => m.id === 'tinysr-tiny')?.speed).toBeNull();
  });

  it('adds the user\'s ONNX model from the UI: run, described, checked, listed; a file that is not a model leaves nothing', async () => {
    await service.close();
    const userDir = path.join(dir, 'user models');
    service = await createApiService({ engine, dataDir: path.join(dir, 'data'), modelLocations: { bundledDir: FIXTURE_MODELS, userDir, digestCacheFile: undefined } });
    const onnx = await fs.readFile(path.join(FIXTURE_MODELS, 'generic-x4-tiny', 'model.onnx'));
    async function* bytes(data: Buffer): AsyncIterable<Uint8Array> {
      yield data;
    }
    const answer = await service.addModel('My Upscaler.onnx', bytes(onnx));
    expect(answer.added).toBe('my-upscaler');
    const added = answer.models.find((m) => m.id === 'my-upscaler');
    expect(added).toMatchObject({ source: 'user', scale: 4, name: 'My Upscaler', weights: 'imported', params: 9728, license: { id: 'unknown' } });
    expect(added?.summary).toContain('Your own ×4 model');
    expect(added?.tile).toEqual({ mode: 'free', multipleOf: 1, min: 16, max: 1024, default: 256 });
    expect(await fs.readdir(userDir)).toEqual(['my-upscaler']);
    expect((await service.addModel('My Upscaler.onnx', bytes(onnx))).added).toBe('my-upscaler-2');

    await expect(service.addModel('notes.onnx', bytes(Buffer.from('not a model')))).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    await expect(service.addModel('photo.png', bytes(onnx))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('.onnx') });
    expect((await fs.readdir(userDir)).sort()).toEqual(['my-upscaler', 'my-upscaler-2']);
  });

  it('lists models with licence, provenance and cost, flagging untrained ones', async () => {
    const listing = await call('models/list', {});
    const tiny = listing.models.find((m) => m.id === 'generic-x4-tiny');
    expect(tiny).toMatchObject({ scale: 4, family: 'generic-sr', weights: 'random-init', untrained: true, source: 'bundled', precisions: ['fp32', 'fp16'], speed: null });
    expect(tiny?.label).toContain('untrained');
    expect(listing.models.map((m) => m.id)).toContain(listing.defaultModel);
  });

  it('settings/set saves, re-announces the queue, and item settings follow the defaults', async () => {
    const input = await writeTestImage(path.join(dir, 'in', 'a.png'), { width: 16, height: 12, format: 'png' });
    await call('queue/add', { paths: [input] });
    events.length = 0;
    const next = await call('settings/set', { defaults: { format: 'webp', outputDir: path.join(dir, 'out') } });
    expect(next.defaults.format).toBe('webp');
    expect(await call('settings/get', {})).toEqual(next);
    const changed = events.find((e) => e.event === 'queue/changed');
    expect(changed?.event === 'queue/changed' && changed.payload.items[0]?.settings.format).toBe('webp');
    await expect(service.invoke('queue/update-item', { ids: [changed?.event === 'queue/changed' ? changed.payload.items[0]!.id : ''], set: { nameTemplate: 'same.png' } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('reports a damaged settings file found at startup', async () => {
    expect(await call('app/startup-problems', {})).toEqual({ problems: [] });
    await service.close();
    await fs.writeFile(path.join(dir, 'data', 'settings.json'), '{ not json');
    service = await createApiService({ engine, dataDir: path.join(dir, 'data'), modelLocations: { bundledDir: FIXTURE_MODELS, userDir: undefined, digestCacheFile: undefined } });
    const { problems } = await call('app/startup-problems', {});
    expect(problems).toEqual([expect.objectContaining({ path: path.join(dir, 'data', 'settings.json'), message: expect.stringContaining('not valid JSON') })]);
  });

  it('passes the provider probe through', async () => {
    expect(await call('engine/probe', {})).toEqual({ model: 'generic-x4-tiny', providers: [{ name: 'cpu', ok: true, ms: 3 }], auto: 'cpu' });
  });
});
