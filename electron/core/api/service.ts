// The one implementation of the API contract (core/shared/api.ts), used by Electron's IPC handlers and by the
// browser-mode server alike. Every call's args are validated here with the contract's schemas, whatever the
// transport did before; failures reject with AppError (transports send `error.toJSON()`). The service owns the
// settings store, the job queue and the previews, and answers the hosts' one file question: which file, if any, an
// image handle stands for (`resolveImage`), so no transport ever maps a renderer-supplied path to a file.
//
//   const service = await createApiService({ engine, dataDir, modelLocations });
//   const snapshot = await service.invoke('queue/add', { paths: ['/photos'] });
//   const off = service.on('item/progress', (p) => ...);    service.onAny((message) => transport.send(message));
//   const { path, contentType } = await service.resolveImage('item/<id>/output');
//   await service.close();                                   // the queue is saved; a running item resumes next time
//
// May import: node:fs, node:path, core/shared, core/engine (types), core/models, core/imageio (pure ./types only:
// this process never loads sharp), core/queue, core/settings, ./preview, ./display-copies, ./home-path, ./inbox,
// ./model-speeds, ./model-import.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { ProbeReport, ProbeRequest } from '../engine/index.js';
import { OUTPUT_FORMATS } from '../imageio/types.js';
import { FileDigestCache, findModel, listModels, resolveModelLocations, type InstalledModel, type ModelListing, type ModelLocations } from '../models/index.js';
import { DEFAULT_OUTPUT_SUBFOLDER, findImages, JobQueue, QueueFile, type ImageInspector, type QueueEngine } from '../queue/index.js';
import { checkSettings, SettingsStore } from '../settings/index.js';
import {
  API_CALLS,
  isApiCallId,
  type ApiCallId,
  type ApiCalls,
  type ApiEventId,
  type ApiEventMessage,
  type ApiEventPayload,
  type ApiResult,
  type ModelInfo,
  type ModelSpeed,
} from '../shared/api.js';
import { describeIssues } from '../shared/describe-issues.js';
import { AppError, toAppError, type AppErrorData } from '../shared/errors.js';
import { resolveItemSettings } from '../shared/settings.js';
import { PreviewRenderer, type PreviewEngine } from './preview.js';
import { DisplayCopies, needsDisplayCopy, type DisplayEngine } from './display-copies.js';
import { expandHome } from './home-path.js';
import { Inbox, MAX_UPLOAD_BYTES, writeLimited } from './inbox.js';
import { importModel, type ModelImportEngine } from './model-import.js';
import { ModelSpeeds } from './model-speeds.js';

/**
 * The engine methods the service uses: EngineClient, EngineSupervisor, or anything with the same methods (a fake in
 * unit tests). Every image is read in the engine's process (inspect, preview), never in the service's.
 */
export interface ApiEngine extends QueueEngine, ImageInspector, PreviewEngine, DisplayEngine, ModelImportEngine {
  probe(request?: ProbeRequest): Promise<ProbeReport>;
}

export interface ApiServiceOptions {
  engine: ApiEngine;
  /** The app's data folder: settings.json, queue.json, previews/. Created when missing. */
  dataDir: string;
  /** Where models are listed from; must be the folders the engine was configured with. Default: resolveModelLocations(). */
  modelLocations?: ModelLocations | undefined;
  /** Resume a queue that was running when the app stopped (default true). */
  resume?: boolean | undefined;
  now?: (() => Date) | undefined;
  newId?: (() => string) | undefined;
}

export interface ApiService {
  /** Validates `args` against the contract and runs the call; rejects with AppError. */
  invoke<K extends ApiCallId>(call: K, args: unknown): Promise<ApiResult<K>>;
  on<E extends ApiEventId>(event: E, listener: (payload: ApiEventPayload<E>) => void): () => void;
  /** Every event, for transports that forward them all (IPC broadcast, Server-Sent Events). */
  onAny(listener: (message: ApiEventMessage) => void): () => void;
  /** The file an image handle stands for: an added input, an output the queue wrote, or a preview. */
  resolveImage(handle: string): Promise<{ path: string; contentType: string }>;
  /**
   * A written result as it is on disk (a TIFF stays a TIFF), for a download or "Show in folder": only the handles
   * `item/<id>/output` of done items. `name` is its file name.
   */
  resultFile(handle: string): Promise<{ path: string; contentType: string; name: string }>;
  /** Every result on disk of the done items, each with a name unique among them (for one archive). */
  resultFiles(): Promise<Array<{ path: string; name: string }>>;
  /**
   * Browser mode's upload: streams `body` into this session's inbox as `name` (sanitised, size-limited) and adds it
   * to the queue as `queue/add` would; a file that is not an image is refused (and not kept).
   */
  upload(name: string, body: AsyncIterable<Uint8Array>): Promise<ApiResult<'queue/add'>>;
  /**
   * Adds the user's ONNX model `name` from `body` (an upload, or a file the user picked, read as a stream): run,
   * described, checked and put into the user models folder (model-import.ts). Answers with its id and the new listing.
   */
  addModel(name: string, body: AsyncIterable<Uint8Array>): Promise<{ added: string } & ApiResult<'models/list'>>;
  /** Problems found at startup (a damaged settings or queue file that was set aside). */
  readonly startupProblems: readonly AppErrorData[];
  /** Stops the running item (it stays queued) and saves the queue. */
  close(): Promise<void>;
}

type Handlers = { [K in ApiCallId]: (args: z.output<ApiCalls[K]['args']>) => Promise<ApiResult<K>> };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.jfif': 'image/jpeg',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
};

export async function createApiService(options: ApiServiceOptions): Promise<ApiService> {
  const { engine, dataDir } = options;
  await fs.mkdir(dataDir, { recursive: true });
  const locations = options.modelLocations ?? resolveModelLocations();
  const digests = new FileDigestCache(locations.digestCacheFile);
  const settings = await SettingsStore.open(dataDir);
  const speeds = await ModelSpeeds.open(dataDir);
  const listeners = new Set<(message: ApiEventMessage) => void>();
  const emit = (message: ApiEventMessage): void => {
    // A finished run measured its models' speeds: kept for the model cards of the next session.
    if (message.event === 'queue/finished') void rememberSpeeds();
    for (const listener of [...listeners]) listener(message);
  };
  const rememberSpeeds = async (): Promise<void> => {
    const measured = new Map<string, ModelSpeed>();
    for (const model of listing?.models ?? []) {
      const speed = queue.speed(model.manifest.id);
      if (speed !== null) measured.set(model.manifest.id, speed);
    }
    // A speed that could not be saved is measured again next session; it must not fail the run.
    await speeds.record(measured).catch(() => undefined);
  };

  let listing: ModelListing | undefined;
  const models = async (refresh = false): Promise<ModelListing> => {
    if (!listing || refresh) listing = await listModels(locations, digests);
    return listing;
  };
  const defaultModel = (found: ModelListing): InstalledModel => {
    const model = found.models.find((m) => m.isDefault) ?? found.models[0];
    if (!model) {
      throw new AppError('MODEL_NOT_FOUND', `No usable model in ${locations.bundledDir}${locations.userDir ? ` or ${locations.userDir}` : ''}; reinstall the app or add a model folder.`, {
        path: locations.bundledDir,
      });
    }
    return model;
  };
  const lookupModel = async (id: string | null): Promise<InstalledModel> => {
    if (id === null) return defaultModel(await models());
    try {
      return findModel(await models(), id);
    } catch {
      return findModel(await models(true), id); // a model folder added since the last listing
    }
  };

  const queue = new JobQueue({
    engine,
    defaults: () => settings.settings.defaults,
    lookupModel: async (id) => {
      const model = await lookupModel(id);
      return { id: model.id, scale: model.manifest.scale };
    },
    file: new QueueFile(dataDir),
    emit,
    now: options.now,
    newId: options.newId,
  });
  const previews = new PreviewRenderer(path.join(dataDir, 'previews'), engine);
  await fs.rm(path.join(dataDir, 'previews'), { recursive: true, force: true }); // previews never outlive a session
  await fs.rm(path.join(dataDir, 'display'), { recursive: true, force: true }); // nor do display copies (see display-copies.ts)
  const queueProblem = await queue.restore({ resume: options.resume ?? true });
  const startupProblems = [settings.loadProblem, queueProblem?.toJSON()].filter((p): p is AppErrorData => p !== undefined);

  const modelInfo = (model: InstalledModel): ModelInfo => {
    const m = model.manifest;
    return {
      id: m.id,
      name: m.name,
      description: m.description,
      version: m.version,
      family: m.family,
      scale: m.scale,
      source: model.source,
      label: model.label,
      isDefault: model.isDefault,
      tile: m.tile,
      overlap: m.overlap,
      precisions: model.files.fp16 ? ['fp32', 'fp16'] : ['fp32'],
      license: m.license,
      weights: m.provenance.weights,
      untrained: model.untrained,
      params: m.cost.params,
      macs: m.cost.macsWithAttention,
      costTileLr: m.cost.tileLr,
      speed: queue.speed(m.id) ?? speeds.get(m.id) ?? null,
      ...(m.summary === undefined ? {} : { summary: m.summary }),
    };
  };

  const handlers: Handlers = {
    'queue/add': async ({ paths, recursive }) => {
      const outputDir = settings.settings.defaults.outputDir;
      const found = await findImages(paths, {
        recursive: recursive ?? settings.settings.recursive,
        inspector: engine,
        skipFolders: (dir) => path.basename(dir) === DEFAULT_OUTPUT_SUBFOLDER || (outputDir !== null && path.resolve(dir) === path.resolve(outputDir)),
      });
      const added = queue.add(found.images);
      return { added, rejected: found.rejected, snapshot: queue.snapshot() };
    },
    'queue/list': async () => queue.snapshot(),
    'queue/start': async () => {
      queue.start();
      return queue.snapshot();
    },
    'queue/pause': async () => {
      queue.pause();
      return queue.snapshot();
    },
    'queue/resume': async () => {
      queue.start();
      return queue.snapshot();
    },
    'queue/cancel': async ({ ids }) => {
      queue.cancel(ids);
      return queue.snapshot();
    },
    'queue/retry': async ({ ids }) => {
      queue.retry(ids);
      return queue.snapshot();
    },
    'queue/run-again': async ({ ids }) => {
      queue.runAgain(ids);
      return queue.snapshot();
    },
    'queue/remove': async ({ ids }) => {
      queue.remove(ids);
      return queue.snapshot();
    },
    'queue/clear': async ({ which }) => {
      queue.clear(which);
      return queue.snapshot();
    },
    'queue/update-item': async ({ ids, set: typed, reset }) => {
      const set = typed?.outputDir ? { ...typed, outputDir: expandHome(typed.outputDir) } : typed;
      if (set) checkSettings({ ...settings.settings, defaults: resolveItemSettings(settings.settings.defaults, set) });
      queue.updateItems(ids, set, reset);
      return queue.snapshot();
    },
    'models/list': async () => {
      const found = await models(true);
      return { models: found.models.map(modelInfo), problems: found.problems, defaultModel: defaultModel(found).id };
    },
    'engine/probe': async (args) => engine.probe(args),
    'settings/get': async () => settings.settings,
    'settings/set': async (typed) => {
      const outputDir = typed.defaults?.outputDir;
      const patch = outputDir ? { ...typed, defaults: { ...typed.defaults, outputDir: expandHome(outputDir) } } : typed;
      const next = await settings.update(patch);
      queue.settingsChanged();
      return next;
    },
    'preview/region': async ({ id, rect, model }) => {
      const record = queue.record(id);
      const itemSettings = queue.settingsOf(record);
      const chosen = await lookupModel(model ?? itemSettings.model);
      return previews.render(record.input, rect, { id: chosen.id }, itemSettings);
    },
    'app/startup-problems': async () => ({ problems: [...startupProblems] }),
    'files/output-formats': async () => ({ formats: [...OUTPUT_FORMATS] }),
  };

  const displayCopies = new DisplayCopies(path.join(dataDir, 'display'), engine);
  const inbox = new Inbox(path.join(dataDir, 'inbox'));
  await inbox.removeUnused(queue.snapshot().items.map((item) => item.input));
  /** The output file of a done item, by handle; undefined for anything else. */
  const resultOf = (handle: string): string | undefined => {
    const [kind, id, which, ...rest] = handle.split('/');
    if (kind !== 'item' || id === undefined || which !== 'output' || rest.length > 0) return undefined;
    const record = queue.find(id);
    return record?.state === 'done' ? record.result?.output : undefined;
  };
  const imageFile = (handle: string): string | undefined => {
    const parts = handle.split('/');
    if (parts.length !== 3) return undefined; // exactly kind/id/which: no trailing segments that look like paths
    const [kind, id, which] = parts;
    if (kind === 'item' && id !== undefined) {
      const record = queue.find(id);
      if (which === 'input') return record?.input;
      if (which === 'output') return record?.result?.output;
    }
    if (kind === 'preview' && id !== undefined && (which === 'upscaled' || which === 'bicubic')) return previews.files(id)?.[which];
    return undefined;
  };

  const onAny = (listener: (message: ApiEventMessage) => void): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };

  return {
    startupProblems,
    async invoke<K extends ApiCallId>(call: K, args: unknown): Promise<ApiResult<K>> {
      if (!isApiCallId(call)) {
        throw new AppError('INVALID_ARGUMENT', `Unknown API call "${String(call)}"; the calls are ${Object.keys(API_CALLS).join(', ')}.`, { details: { argument: 'call' } });
      }
      const parsed = API_CALLS[call].args.safeParse(args ?? {});
      if (!parsed.success) {
        throw new AppError('INVALID_ARGUMENT', `Invalid arguments for ${call}: ${describeIssues(parsed.error.issues, 'args').join('; ')}.`, {
          details: { argument: call, problems: describeIssues(parsed.error.issues, 'args') },
        });
      }
      const handler = handlers[call] as (args: unknown) => Promise<ApiResult<K>>;
      try {
        return await handler(parsed.data);
      } catch (error) {
        throw toAppError(error);
      }
    },
    on(event, listener) {
      return onAny((message) => {
        if (message.event === event) listener(message.payload as never);
      });
    },
    onAny,
    async resolveImage(handle) {
      const file = imageFile(handle);
      const contentType = file === undefined ? undefined : CONTENT_TYPES[path.extname(file).toLowerCase()];
      if (file === undefined || contentType === undefined) {
        throw new AppError('INVALID_ARGUMENT', `"${handle}" is not an image this app may show: only added inputs, written outputs and previews are.`, {
          details: { argument: 'handle', handle },
        });
      }
      try {
        await fs.access(file);
      } catch {
        throw new AppError('INPUT_NOT_FOUND', `The image "${file}" no longer exists; it may have been moved or deleted.`, { path: file });
      }
      if (needsDisplayCopy(file)) return { path: await displayCopies.copyOf(file), contentType: 'image/png' };
      return { path: file, contentType };
    },
    async resultFile(handle) {
      const file = resultOf(handle);
      if (file === undefined) {
        throw new AppError('INVALID_ARGUMENT', `"${handle}" is not a finished result; only the outputs of done images can be downloaded or shown.`, {
          details: { argument: 'handle', handle },
        });
      }
      try {
        await fs.access(file);
      } catch {
        throw new AppError('INPUT_NOT_FOUND', `The result "${file}" no longer exists; it may have been moved or deleted.`, { path: file });
      }
      return { path: file, contentType: CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', name: path.basename(file) };
    },
    async resultFiles() {
      const files: Array<{ path: string; name: string }> = [];
      const taken = new Set<string>();
      for (const item of queue.snapshot().items) {
        const file = item.state === 'done' ? item.result?.output : undefined;
        if (file === undefined || files.some((f) => f.path === file)) continue;
        if (!(await fs.access(file).then(() => true, () => false))) continue;
        const ext = path.extname(file);
        const stem = path.basename(file, ext);
        let name = `${stem}${ext}`;
        for (let n = 2; taken.has(name); n++) name = `${stem} (${n})${ext}`;
        taken.add(name);
        files.push({ path: file, name });
      }
      return files;
    },
    async addModel(name, body) {
      const found = await models(true);
      const added = await importModel({
        userDir: locations.userDir,
        name,
        receive: (file) => writeLimited(body, file, MAX_UPLOAD_BYTES, name),
        engine,
        taken: [...found.models.map((m) => m.id), ...found.problems.map((p) => path.basename(p.dir))],
      });
      return { added, ...(await handlers['models/list']({})) };
    },
    async upload(name, body) {
      const file = await inbox.receive(name, body);
      const answer = await handlers['queue/add']({ paths: [file] });
      if (answer.added.length === 0) await fs.rm(file, { force: true });
      // The inbox is the server's business: a refusal names the file as the user knows it.
      const rejected = answer.rejected.map((r) => ({ path: path.basename(file), error: { ...r.error, message: r.error.message.replaceAll(`"${file}"`, `"${path.basename(file)}"`), path: path.basename(file) } }));
      return { ...answer, rejected };
    },
    async close() {
      await queue.close();
    },
  };
}
