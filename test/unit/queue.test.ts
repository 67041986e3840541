// The job queue's state machine and persistence, driven by a fake engine (an object with EngineClient's `upscale`)
// that writes a small file per job, or fails, crashes or waits for a cancel, as each test asks. Real files in a temp
// folder: job plans check what exists, the queue file is really written and read back.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobOptions, UpscaleRequest, UpscaleResult } from '../../electron/core/engine/index.js';
import { JobQueue, QueueFile, type FoundImage, type QueueEngine } from '../../electron/core/queue/index.js';
import type { ApiEventMessage, QueueSnapshot } from '../../electron/core/shared/api.js';
import { QueueSnapshotSchema } from '../../electron/core/shared/api.js';
import { AppError } from '../../electron/core/shared/errors.js';
import { DEFAULT_SETTINGS, type ItemSettings } from '../../electron/core/shared/settings.js';
import { makeTempDir, removeTempDir } from '../helpers/images.js';

type Behaviour = 'ok' | 'fail' | 'crash' | 'wait' | 'die';

/**
 * Jobs run as told by the input's file name: `bad-*` fails, `crash-*` crashes, `slow-*` waits for release or abort,
 * `die-*` writes its output and then waits for an abort (a process that died after the rename).
 */
class FakeEngine implements QueueEngine {
  readonly requests: UpscaleRequest[] = [];
  private releaseWaiting: (() => void) | undefined;
  private started: (() => void) | undefined;

  behaviour(input: string): Behaviour {
    const name = path.basename(input);
    if (name.startsWith('bad-')) return 'fail';
    if (name.startsWith('crash-')) return 'crash';
    if (name.startsWith('slow-')) return 'wait';
    if (name.startsWith('die-')) return 'die';
    return 'ok';
  }

  /** Resolves when a `slow-*` job has started (and emitted its first tile). */
  waitingStarted(): Promise<void> {
    return new Promise((resolve) => (this.started = resolve));
  }

  release(): void {
    this.releaseWaiting?.();
  }

  async upscale(request: UpscaleRequest, options: JobOptions = {}): Promise<UpscaleResult> {
    this.requests.push(request);
    const behaviour = this.behaviour(request.input);
    if (behaviour === 'fail') throw new AppError('INPUT_CORRUPT', `Input "${request.input}" cannot be decoded.`, { path: request.input });
    if (behaviour === 'crash') throw new AppError('ENGINE_CRASHED', 'The engine process was killed by SIGKILL while working.');
    if (behaviour === 'die') {
      // The output is renamed into place, then the process dies before the result reaches the queue.
      await fs.mkdir(path.dirname(request.output), { recursive: true });
      await fs.writeFile(request.output, 'upscaled');
      this.started?.();
      await new Promise<void>((_resolve, reject) => options.signal?.addEventListener('abort', () => reject(new AppError('CANCELLED', 'Cancelled.')), { once: true }));
    }
    options.onEvent?.({ type: 'stage', stage: 'upscaling' });
    options.onEvent?.({ type: 'progress', tile: 1, tiles: 2, ms: 10, elapsedMs: 10, etaMs: 10 });
    if (behaviour === 'wait') {
      await new Promise<void>((resolve, reject) => {
        this.releaseWaiting = resolve;
        options.signal?.addEventListener('abort', () => reject(new AppError('CANCELLED', 'The upscale job was cancelled.')), { once: true });
        // As the engine does between tiles: says when it holds for a pause and when it goes on.
        options.pause?.onChange((paused) => options.onEvent?.({ type: 'hold', paused, tile: 1, tiles: 2 }));
        this.started?.();
      });
    }
    options.onEvent?.({ type: 'progress', tile: 2, tiles: 2, ms: 10, elapsedMs: 20, etaMs: 0 });
    await fs.mkdir(path.dirname(request.output), { recursive: true });
    await fs.writeFile(request.output, 'upscaled');
    return {
      input: request.input,
      output: request.output,
      model: request.model,
      inputSize: { width: 10, height: 10 },
      outputSize: { width: 40, height: 40 },
      provider: 'cpu',
      precision: 'fp32',
      tile: 32,
      batch: 1,
      tiles: 2,
      wallMs: 25,
      runMs: 20,
    };
  }
}

let dir: string;
let engine: FakeEngine;
let events: ApiEventMessage[];
let defaults: ItemSettings;
let queues: JobQueue[];

beforeEach(async () => {
  dir = await makeTempDir('queue');
  engine = new FakeEngine();
  events = [];
  defaults = { ...DEFAULT_SETTINGS.defaults, model: 'fake-x4' };
  queues = [];
});
afterEach(async () => {
  for (const queue of queues) await queue.close(); // waits for the last saves before the folder goes
  await removeTempDir(dir);
});

function makeQueue(file: QueueFile | undefined = new QueueFile(path.join(dir, 'data'))): JobQueue {
  let n = 0;
  const queue = new JobQueue({
    engine,
    defaults: () => defaults,
    lookupModel: async (id) => {
      if (id !== 'fake-x4' && id !== 'other-x4') throw new AppError('MODEL_NOT_FOUND', `No model "${id}".`);
      return { id, scale: 4 };
    },
    file,
    emit: (message) => events.push(message),
    newId: () => `item-${++n}`,
  });
  queues.push(queue);
  return queue;
}

function images(...names: string[]): FoundImage[] {
  return names.map((name) => ({ path: path.join(dir, 'in', name), size: { width: 100, height: 50 }, format: 'png' as const }));
}

/** Resolves when the queue emits a snapshot matching `predicate`. */
function snapshotWhere(predicate: (s: QueueSnapshot) => boolean): Promise<QueueSnapshot> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      const last = [...events].reverse().find((e) => e.event === 'queue/changed');
      if (last && last.event === 'queue/changed' && predicate(last.payload)) {
        clearInterval(check);
        resolve(last.payload);
      }
    }, 2);
  });
}

const idle = (s: QueueSnapshot): boolean => s.status === 'idle' && s.summary !== undefined;
const states = (s: QueueSnapshot): string[] => s.items.map((i) => `${i.name}:${i.state}`);

describe('JobQueue', () => {
  it('runs items in order; a failing item never stops the rest; the summary lists failures with reasons', async () => {
    const queue = makeQueue();
    expect(queue.add(images('a.png', 'bad-b.png', 'c.png'))).toEqual(['item-1', 'item-2', 'item-3']);
    expect(queue.snapshot().status).toBe('idle'); // adding does not start
    queue.start();
    const end = await snapshotWhere(idle);
    expect(states(end)).toEqual(['a.png:done', 'bad-b.png:failed', 'c.png:done']);
    expect(end.items[1]?.error).toMatchObject({ code: 'INPUT_CORRUPT', path: path.join(dir, 'in', 'bad-b.png') });
    expect(end.summary).toMatchObject({ done: 2, skipped: 0, cancelled: 0, outputDirs: [path.join(dir, 'in', 'upscaled')] });
    expect(end.summary?.failed).toEqual([{ id: 'item-2', input: path.join(dir, 'in', 'bad-b.png'), error: expect.objectContaining({ code: 'INPUT_CORRUPT' }) }]);
    expect(end.items[0]?.result).toMatchObject({ outcome: 'written', output: path.join(dir, 'in', 'upscaled', 'a_fake-x4_x4.png'), outputImage: { handle: 'item/item-1/output' } });
    expect(end.overall).toMatchObject({ total: 3, done: 2, failed: 1, fraction: 1, etaMs: 0 });
    expect(QueueSnapshotSchema.parse(end)).toEqual(end);
    expect(events.filter((e) => e.event === 'queue/finished')).toHaveLength(1);
    expect(events.some((e) => e.event === 'item/progress' && e.payload.id === 'item-1' && e.payload.progress.tile === 2)).toBe(true);
  });

  it('raises the revision on every announced change, so hosts can drop replies older than the events they showed', async () => {
    const queue = makeQueue();
    const before = queue.snapshot().revision;
    queue.add(images('a.png'));
    queue.start();
    await snapshotWhere(idle);
    const revisions = events.flatMap((e) => (e.event === 'queue/changed' ? [e.payload.revision] : []));
    expect(revisions.length).toBeGreaterThan(2);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(revisions[0]).toBeGreaterThan(before);
    expect(queue.snapshot().revision).toBe(revisions.at(-1));
  });

  it('does not queue an input twice while it is pending', () => {
    const queue = makeQueue();
    queue.add(images('a.png'));
    expect(queue.add(images('a.png', 'b.png'))).toEqual(['item-2']);
    expect(queue.snapshot().items).toHaveLength(2);
  });

  it('cancels a running item through the engine (no output) and goes on with the next', async () => {
    const queue = makeQueue();
    queue.add(images('slow-a.png', 'b.png'));
    const started = engine.waitingStarted();
    queue.start();
    await started;
    queue.cancel(['item-1']);
    const end = await snapshotWhere(idle);
    expect(states(end)).toEqual(['slow-a.png:cancelled', 'b.png:done']);
    expect(end.items[0]?.error?.code).toBe('CANCELLED');
    expect(existsSync(path.join(dir, 'in', 'upscaled', 'slow-a_fake-x4_x4.png'))).toBe(false);
    expect(end.summary).toMatchObject({ done: 1, cancelled: 1 });
  });

  it('cancel without ids cancels the running and every queued item', async () => {
    const queue = makeQueue();
    queue.add(images('slow-a.png', 'b.png', 'c.png'));
    const started = engine.waitingStarted();
    queue.start();
    await started;
    queue.cancel();
    const end = await snapshotWhere(idle);
    expect(states(end)).toEqual(['slow-a.png:cancelled', 'b.png:cancelled', 'c.png:cancelled']);
    expect(engine.requests).toHaveLength(1);
  });

  it('pause holds the running item between tiles (progress and ETA kept) and starts nothing else; resume goes on from there', async () => {
    const queue = makeQueue();
    queue.add(images('slow-a.png', 'b.png'));
    const started = engine.waitingStarted();
    queue.start();
    await started;
    queue.pause();
    const paused = await snapshotWhere((s) => s.status === 'paused' && s.items[0]?.progress?.paused === true);
    expect(states(paused)).toEqual(['slow-a.png:running', 'b.png:queued']);
    expect(paused.items[0]?.progress).toMatchObject({ tile: 1, tiles: 2, etaMs: 10, paused: true });

    queue.start();
    const resumed = await snapshotWhere((s) => s.status === 'running' && s.items[0]?.progress?.paused === false);
    expect(resumed.items[0]?.progress).toMatchObject({ tile: 1, tiles: 2 });
    engine.release();
    const end = await snapshotWhere(idle);
    expect(states(end)).toEqual(['slow-a.png:done', 'b.png:done']);
    expect(engine.requests.map((r) => path.basename(r.input))).toEqual(['slow-a.png', 'b.png']);
  });

  it('a paused item can be cancelled', async () => {
    const queue = makeQueue();
    queue.add(images('slow-a.png'));
    const started = engine.waitingStarted();
    queue.start();
    await started;
    queue.pause();
    await snapshotWhere((s) => s.items[0]?.progress?.paused === true);
    queue.cancel(['item-1']);
    const end = await snapshotWhere((s) => s.items[0]?.state === 'cancelled');
    expect(end.items[0]?.error?.code).toBe('CANCELLED');
  });

  it('retries failed items; refuses to retry a done one', async () => {
    const queue = makeQueue();
    queue.add(images('bad-a.png', 'b.png'));
    queue.start();
    await snapshotWhere(idle);
    expect(() => queue.retry(['item-2'])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('is done') }));
    queue.retry();
    expect(queue.snapshot().items[0]).toMatchObject({ state: 'queued', attempts: 1 });
    expect(queue.snapshot().items[0]?.error).toBeUndefined();
    events.length = 0;
    queue.start();
    const end = await snapshotWhere(idle);
    expect(end.items[0]).toMatchObject({ state: 'failed', attempts: 2 });
    expect(end.summary?.failed).toHaveLength(1); // the summary covers this run only
  });

  it('runs a done item again with the settings it has now, starting an idle queue; a queued one cannot be', async () => {
    const queue = makeQueue();
    queue.add(images('a.png', 'b.png'));
    queue.start();
    await snapshotWhere(idle);
    queue.updateItems(['item-1'], { model: 'other-x4' });
    queue.add(images('c.png'));
    expect(() => queue.runAgain(['item-3'])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('is queued') }));
    events.length = 0;
    queue.runAgain(['item-1']);
    const end = await snapshotWhere((s) => s.status === 'idle' && s.items[0]?.state === 'done' && s.items[0]?.attempts === 2);
    expect(end.items[0]?.result?.model).toBe('other-x4');
    expect(engine.requests.map((r) => `${path.basename(r.input)}:${r.model}`)).toEqual(['a.png:fake-x4', 'b.png:fake-x4', 'a.png:other-x4', 'c.png:fake-x4']);
  });

  it('an engine crash fails the current item with the reason, announces it, and the queue goes on', async () => {
    const queue = makeQueue();
    queue.add(images('crash-a.png', 'b.png'));
    queue.start();
    const end = await snapshotWhere(idle);
    expect(states(end)).toEqual(['crash-a.png:failed', 'b.png:done']);
    expect(end.items[0]?.error).toMatchObject({ code: 'ENGINE_CRASHED', message: expect.stringContaining('SIGKILL') });
    const status = events.filter((e) => e.event === 'engine/status').map((e) => e.event === 'engine/status' && e.payload);
    expect(status).toEqual([
      expect.objectContaining({ state: 'crashed', id: 'item-1', reason: expect.stringContaining('SIGKILL') }),
      expect.objectContaining({ state: 'restarted', id: 'item-2' }),
    ]);
  });

  it('per-item settings: overrides over the global defaults, reset to follow them again, not while running', async () => {
    const queue = makeQueue();
    queue.add(images('a.png', 'slow-b.png'));
    queue.updateItems(['item-1'], { format: 'webp', model: 'other-x4' });
    expect(queue.snapshot().items[0]?.settings).toMatchObject({ format: 'webp', model: 'other-x4', quality: DEFAULT_SETTINGS.defaults.quality });
    defaults = { ...defaults, quality: 70 };
    expect(queue.snapshot().items[0]?.settings.quality).toBe(70);
    queue.updateItems(['item-1'], {}, ['model']);
    expect(queue.snapshot().items[0]?.overrides).toEqual({ format: 'webp' });
    const started = engine.waitingStarted();
    queue.start();
    await started;
    expect(() => queue.updateItems(['item-2'], { format: 'png' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(engine.requests[0]).toMatchObject({ format: 'webp', quality: 70, model: 'fake-x4', output: path.join(dir, 'in', 'upscaled', 'a_fake-x4_x4.webp') });
    engine.release();
    await snapshotWhere(idle);
  });

  it('overwrite policies: rename picks a free name, skip leaves the existing file and marks the item skipped', async () => {
    const existing = path.join(dir, 'in', 'upscaled', 'a_fake-x4_x4.png');
    await fs.mkdir(path.dirname(existing), { recursive: true });
    await fs.writeFile(existing, 'old');
    const queue = makeQueue();
    queue.add(images('a.png'));
    queue.start();
    let end = await snapshotWhere(idle);
    expect(end.items[0]?.result?.output).toBe(path.join(dir, 'in', 'upscaled', 'a_fake-x4_x4 (2).png'));
    expect(engine.requests[0]?.overwrite).toBe(false);

    defaults = { ...defaults, overwrite: 'skip' };
    queue.add(images('a.png'));
    events.length = 0;
    queue.start();
    end = await snapshotWhere(idle);
    expect(end.items[1]?.result).toMatchObject({ outcome: 'skipped-existing', output: existing });
    expect(end.summary).toMatchObject({ done: 0, skipped: 1 });
    expect(engine.requests).toHaveLength(1);
    expect(await fs.readFile(existing, 'utf8')).toBe('old');
  });

  it('a model that does not exist fails its item with MODEL_NOT_FOUND', async () => {
    const queue = makeQueue();
    queue.add(images('a.png'));
    queue.updateItems(['item-1'], { model: 'nope' });
    queue.start();
    const end = await snapshotWhere(idle);
    expect(end.items[0]?.error?.code).toBe('MODEL_NOT_FOUND');
  });

  it('remove and clear never touch running items or files; clearing finished items keeps the failures', async () => {
    const queue = makeQueue();
    queue.add(images('bad-x.png'));
    queue.start();
    await snapshotWhere(idle);
    queue.add(images('a.png', 'b.png', 'c.png'));
    queue.cancel(['item-3']);
    queue.clear('finished');
    expect(states(queue.snapshot())).toEqual(['bad-x.png:failed', 'a.png:queued', 'c.png:queued']);
    queue.remove(['item-1']);
    queue.remove(['item-2']);
    expect(states(queue.snapshot())).toEqual(['c.png:queued']);
    expect(() => queue.remove(['item-9'])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    queue.clear('all');
    expect(queue.snapshot().items).toEqual([]);
  });
});

describe('queue persistence', () => {
  it('saves every change atomically; a new queue restores it, with an interrupted item back to queued, and resumes', async () => {
    const first = makeQueue();
    first.add(images('slow-a.png', 'b.png'));
    const started = engine.waitingStarted();
    first.start();
    await started;
    await first.close(); // like quitting the app mid-item
    const file = new QueueFile(path.join(dir, 'data'));
    const saved = JSON.parse(await fs.readFile(file.file, 'utf8'));
    expect(saved).toMatchObject({ version: 1, status: 'running', items: [{ id: 'item-1', state: 'queued' }, { id: 'item-2', state: 'queued' }] });
    expect((await fs.readdir(path.join(dir, 'data'))).filter((f) => f.startsWith('.'))).toEqual([]); // no temp files left

    events = [];
    engine = new FakeEngine();
    const again = engine.waitingStarted();
    const second = makeQueue();
    expect(await second.restore({ resume: true })).toBeUndefined();
    await again; // resumed by itself
    engine.release();
    const end = await snapshotWhere(idle);
    expect(states(end)).toEqual(['slow-a.png:done', 'b.png:done']);
  });

  it('an output written just before the app died is this item\'s result after a restart, not written again as "name (2)"', async () => {
    // Issue 12: killed between the rename and the queue save, the item ran again and the default "rename" policy
    // wrote a byte-identical `a_fake-x4_x4 (2).png`. `die-*` jobs write their output and then never report back.
    const first = makeQueue();
    first.add(images('die-a.png'));
    const wrote = engine.waitingStarted();
    first.start();
    await wrote;
    const data = path.join(dir, 'data');
    const crashed = path.join(dir, 'crashed');
    await fs.mkdir(crashed);
    // The queue file as the dead app left it: the item running, its target recorded before the engine started.
    await fs.copyFile(path.join(data, 'queue.json'), path.join(crashed, 'queue.json'));

    engine = new FakeEngine();
    const second = makeQueue(new QueueFile(crashed));
    await second.restore({ resume: true });
    const end = await snapshotWhere(idle);
    expect(states(end)).toEqual(['die-a.png:done']);
    expect(end.items[0]?.result).toMatchObject({ outcome: 'written', output: path.join(dir, 'in', 'upscaled', 'die-a_fake-x4_x4.png') });
    expect(engine.requests).toHaveLength(0);
    expect(await fs.readdir(path.join(dir, 'in', 'upscaled'))).toEqual(['die-a_fake-x4_x4.png']);
  });

  it('an item saved as running (the app died) comes back queued; without resume the queue waits for start', async () => {
    const file = new QueueFile(path.join(dir, 'data'));
    await file.save({
      version: 1,
      status: 'running',
      items: [{ id: 'x', input: path.join(dir, 'in', 'a.png'), name: 'a.png', state: 'running', overrides: { format: 'jpeg' }, addedAt: '2026-01-01T00:00:00.000Z', attempts: 0 }],
    });
    const queue = makeQueue();
    await queue.restore({ resume: false });
    expect(queue.snapshot()).toMatchObject({ status: 'idle', items: [{ id: 'x', state: 'queued', settings: { format: 'jpeg' } }] });
    expect(engine.requests).toHaveLength(0);
  });

  it('a damaged queue file is set aside with the reason, and the queue starts empty', async () => {
    const data = path.join(dir, 'data');
    await fs.mkdir(data, { recursive: true });
    await fs.writeFile(path.join(data, 'queue.json'), JSON.stringify({ version: 1, status: 'running', items: [{ id: 'x' }] }));
    const queue = makeQueue();
    const problem = await queue.restore({ resume: true });
    expect(problem).toMatchObject({ code: 'INVALID_ARGUMENT', path: path.join(data, 'queue.json'), message: expect.stringContaining('items[0].input') });
    expect(queue.snapshot().items).toEqual([]);
    expect(existsSync(path.join(data, 'queue.json.damaged'))).toBe(true);
  });
});
