// The main-side engine host: the supervisor over core/engine's EngineClient (the one protocol implementation), driven
// through in-memory engine processes that run the real worker service (core/engine/engine-service.ts) over the real
// protocol, with a fake engine inside.
// A "crash" ends a process the way Electron reports it (a reason and an exit code).
import { describe, expect, it } from 'vitest';
import { serveEngine } from '../../electron/core/engine/engine-service.js';
import type { JobContext } from '../../electron/core/engine/engine.js';
import type { EngineEvent, UpscaleRequest, UpscaleResult } from '../../electron/core/shared/engine-protocol.js';
import { AppError } from '../../electron/core/shared/errors.js';
import type { EngineExit, EngineExitReason, EngineProcess } from '../../electron/core/engine/engine-process.js';
import { EngineSupervisor, type EngineStatus } from '../../electron/main/engine/engine-supervisor.js';
import { decideRestart, DEFAULT_RESTART_POLICY } from '../../electron/main/engine/restart-policy.js';
import { EngineStatusRelay } from '../../electron/main/engine/status-relay.js';
import { FAKE_UPSCALE_RESULT, fakeEngineHandlers } from '../helpers/engine-handlers.js';

const RESULT = FAKE_UPSCALE_RESULT;
const REQUEST: UpscaleRequest = { input: '/in/a.png', output: '/out/a_x4.png', model: 'm' };

type Upscale = (request: UpscaleRequest, context: JobContext) => Promise<UpscaleResult>;

/** One in-memory engine process: messages cross as JSON on a later turn, as over the real channel. */
class MemoryProcess implements EngineProcess {
  static nextPid = 100;
  readonly pid = MemoryProcess.nextPid++;
  readonly sent: unknown[] = [];
  private toMain: ((message: unknown) => void)[] = [];
  private toWorker: (message: unknown) => void = () => undefined;
  private exitListeners: ((exit: EngineExit) => void)[] = [];
  ended = false;
  killed = false;

  constructor(upscale: Upscale) {
    const engine = fakeEngineHandlers(upscale);
    serveEngine({ post: (m) => this.deliverToMain(m), onMessage: (h) => (this.toWorker = h) }, () => engine);
  }

  postMessage(message: unknown): void {
    this.sent.push(message);
    const wire = JSON.parse(JSON.stringify(message)) as unknown;
    setImmediate(() => !this.ended && this.toWorker(wire));
  }
  onMessage(listener: (message: unknown) => void): void {
    this.toMain.push(listener);
  }
  onExit(listener: (exit: EngineExit) => void): void {
    this.exitListeners.push(listener);
  }
  kill(): void {
    this.killed = true;
    this.crash('killed', null);
  }
  /** Sends a raw message to main as if the worker had (for protocol tests). */
  deliverToMain(message: unknown): void {
    const wire = JSON.parse(JSON.stringify(message)) as unknown;
    setImmediate(() => !this.ended && this.toMain.forEach((l) => l(wire)));
  }
  crash(reason: EngineExitReason, code: number | null, output: string[] = []): void {
    if (this.ended) return;
    this.ended = true;
    setImmediate(() => this.exitListeners.forEach((l) => l({ reason, code, output })));
  }
}

/** A supervisor whose processes the test can reach, with restart delays the test releases by hand. */
function harness(upscale: Upscale, policy = DEFAULT_RESTART_POLICY) {
  const processes: MemoryProcess[] = [];
  const statuses: EngineStatus[] = [];
  const delayed: { run: () => void; delayMs: number }[] = [];
  let clock = 0;
  const supervisor = new EngineSupervisor({
    spawn: () => {
      const p = new MemoryProcess(upscale);
      processes.push(p);
      return p;
    },
    config: { models: { userDir: null, digestCacheFile: null } },
    onStatus: (s) => statuses.push(s),
    policy,
    schedule: (run, delayMs) => delayed.push({ run, delayMs }),
    now: () => clock,
  });
  return {
    supervisor,
    processes,
    statuses,
    delayed,
    advance: (ms: number) => (clock += ms),
    releaseRestarts: () => delayed.splice(0).forEach((d) => d.run()),
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

/** An upscale that streams one progress event, then waits until the test lets it finish or the job is aborted. */
function controllableUpscale() {
  const gates: (() => void)[] = [];
  const upscale: Upscale = (_request, context) =>
    new Promise<UpscaleResult>((resolve, reject) => {
      context.onEvent?.({ type: 'progress', tile: 1, tiles: 2, ms: 3, elapsedMs: 3, etaMs: 3 });
      context.signal?.addEventListener('abort', () => reject(new AppError('CANCELLED', 'cancelled; nothing written')));
      gates.push(() => resolve(RESULT));
    });
  return { upscale, finishAll: () => gates.splice(0).forEach((g) => g()) };
}

describe('EngineSupervisor', () => {
  it('starts the engine on demand, streams events and resolves with the worker result', async () => {
    const { supervisor, statuses, processes } = harness(async (_r, ctx) => {
      ctx.onEvent?.({ type: 'stage', stage: 'upscaling' });
      return RESULT;
    });
    const events: EngineEvent[] = [];
    await expect(supervisor.upscale(REQUEST, { onEvent: (e) => events.push(e) })).resolves.toEqual(RESULT);
    expect(events).toEqual([{ type: 'stage', stage: 'upscaling' }]);
    expect(statuses).toEqual([{ state: 'starting' }, { state: 'ready', pid: process.pid }]);
    expect(processes[0]?.sent[0]).toEqual({ type: 'init', config: { models: { userDir: null, digestCacheFile: null } } });
    await supervisor.close();
  });

  it('fails the running job with the crash reason, restarts, and runs the next job on a fresh process', async () => {
    const job = controllableUpscale();
    const h = harness(job.upscale);
    const running = h.supervisor.upscale(REQUEST);
    await settle();
    h.processes[0]?.crash('oom', null, ['allocating 2 GB failed']);
    const failure = await running.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('ENGINE_CRASHED');
    expect((failure as AppError).message).toMatch(/ran out of memory.*allocating 2 GB failed/);
    expect((failure as AppError).details).toMatchObject({ reason: 'oom' });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'restarting', reason: 'oom', delayMs: 0, hadJobs: true });

    // A job asked for during the restart delay waits for the new process instead of failing.
    const next = h.supervisor.upscale(REQUEST);
    h.releaseRestarts();
    await settle();
    job.finishAll();
    await expect(next).resolves.toEqual(RESULT);
    expect(h.processes).toHaveLength(2);
    expect(h.statuses.map((s) => s.state)).toEqual(['starting', 'ready', 'restarting', 'starting', 'ready']);
    await h.supervisor.close();
  });

  it('stops restarting after too many crashes in the window, until restart() is called', async () => {
    const h = harness(async () => RESULT, { maxCrashes: 2, windowMs: 60_000, delaysMs: [0, 500] });
    await h.supervisor.start();
    h.processes[0]?.crash('crashed', 139);
    await settle();
    expect(h.statuses.at(-1)).toMatchObject({ state: 'restarting', delayMs: 0, hadJobs: false });
    h.releaseRestarts();
    await settle();
    h.advance(1_000);
    h.processes[1]?.crash('crashed', 139);
    await settle();
    expect(h.statuses.at(-1)).toMatchObject({ state: 'failed', reason: 'crashed' });
    const refused = await h.supervisor.upscale(REQUEST).catch((e: unknown) => e);
    expect((refused as AppError).code).toBe('ENGINE_CRASHED');
    expect((refused as AppError).message).toMatch(/2 times within 60 s.*restart the engine/);
    expect(h.processes).toHaveLength(2); // no process was started for the refused job

    await h.supervisor.restart();
    await expect(h.supervisor.upscale(REQUEST)).resolves.toEqual(RESULT);
    expect(h.processes).toHaveLength(3);
    await h.supervisor.close();
  });

  it('starts one process, not two, when restart() comes during a scheduled relaunch', async () => {
    const h = harness(async () => RESULT, { maxCrashes: 5, windowMs: 60_000, delaysMs: [1_000] });
    await h.supervisor.start();
    h.processes[0]?.crash('crashed', 134);
    await settle();
    expect(h.delayed).toHaveLength(1);
    await h.supervisor.restart();
    h.releaseRestarts();
    await expect(h.supervisor.upscale(REQUEST)).resolves.toEqual(RESULT);
    expect(h.processes).toHaveLength(2);
    await h.supervisor.close();
  });

  it('turns an AbortSignal into a cancel message: the job rejects with CANCELLED and the engine stays up', async () => {
    const job = controllableUpscale();
    const h = harness(job.upscale);
    const controller = new AbortController();
    const running = h.supervisor.upscale(REQUEST, { signal: controller.signal });
    await settle();
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(h.processes[0]?.sent.at(-1)).toEqual({ type: 'cancel', id: '1' });
    expect(h.processes[0]?.ended).toBe(false);
    await h.supervisor.close();
  });

  it('offers inspect and preview like upscale: to the engine, with events, and cancellable', async () => {
    const job = controllableUpscale();
    const h = harness(job.upscale);
    await expect(h.supervisor.inspect({ paths: ['/in/a.png'] })).resolves.toEqual({ images: [{ path: '/in/a.png', ok: true, format: 'png', width: 2, height: 3 }] });
    const preview = { input: '/in/a.png', rect: { x: 0, y: 0, width: 2, height: 3 }, model: 'm', dir: '/tmp/preview' };
    const events: EngineEvent[] = [];
    const finishing = h.supervisor.preview(preview, { onEvent: (e) => events.push(e) });
    const controller = new AbortController();
    const cancelled = h.supervisor.preview(preview, { signal: controller.signal }).catch((error: unknown) => error);
    await settle();
    controller.abort();
    await settle(); // the cancel reaches the engine before the other preview is let finish
    job.finishAll();
    await expect(finishing).resolves.toMatchObject({ rect: preview.rect, scale: 4, size: { width: 8, height: 12 } });
    expect(await cancelled).toMatchObject({ code: 'CANCELLED' });
    expect(events.some((e) => e.type === 'progress')).toBe(true);
    await h.supervisor.close();
  });

  it('rejects a bad request in main without sending it to the engine', async () => {
    const h = harness(async () => RESULT);
    const bad = { ...REQUEST, tile: -4 } as UpscaleRequest;
    await expect(h.supervisor.upscale(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/tile/) });
    expect(h.processes[0]?.sent.filter((m) => (m as { type: string }).type === 'request')).toEqual([]);
    await h.supervisor.close();
  });

  it('fails the open jobs and drops the process when the worker breaks the protocol', async () => {
    const job = controllableUpscale();
    const h = harness(job.upscale);
    const running = h.supervisor.upscale(REQUEST);
    await settle();
    h.processes[0]?.deliverToMain({ type: 'result', id: '1', result: { method: 'upscale', value: { nonsense: true } } });
    await expect(running).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/invalid message/) });
    expect(h.processes[0]?.killed).toBe(true);
    await h.supervisor.close();
  });

  it('close() fails the running job as stopped, reports stopped, and refuses later jobs', async () => {
    const job = controllableUpscale();
    const h = harness(job.upscale);
    const running = h.supervisor.upscale(REQUEST);
    await settle();
    await h.supervisor.close();
    await expect(running).rejects.toMatchObject({ code: 'ENGINE_CRASHED', message: expect.stringMatching(/stopped/) });
    expect(h.statuses.at(-1)).toEqual({ state: 'stopped' });
    expect(h.statuses.some((s) => s.state === 'restarting')).toBe(false);
    await expect(h.supervisor.probe()).rejects.toMatchObject({ code: 'ENGINE_CRASHED', message: expect.stringMatching(/shut down/) });
  });
});

describe('restart policy', () => {
  const policy = { maxCrashes: 3, windowMs: 10_000, delaysMs: [0, 1_000] };
  it('restarts at once after a first crash, then with the growing delays, the last one repeating', () => {
    expect(decideRestart(policy, [0], 0)).toEqual({ restart: true, delayMs: 0 });
    expect(decideRestart(policy, [0, 100], 100)).toEqual({ restart: true, delayMs: 1_000 });
  });
  it('gives up when the crashes in the window reach the limit, and forgets crashes older than the window', () => {
    expect(decideRestart(policy, [0, 100, 200], 200)).toEqual({ restart: false, crashes: 3, windowMs: 10_000 });
    expect(decideRestart(policy, [0, 100, 20_000], 20_000)).toEqual({ restart: true, delayMs: 0 });
  });
});

describe('engine status relay', () => {
  const at = new Date('2026-01-02T03:04:05Z');
  it('tells the UI about a crash of an idle engine and the restart after it', () => {
    const relay = new EngineStatusRelay(() => at);
    expect(relay.eventFor({ state: 'restarting', reason: 'crashed', message: 'The engine process crashed.', delayMs: 0, hadJobs: false })).toEqual({
      state: 'crashed',
      reason: 'The engine process crashed.',
      at: at.toISOString(),
    });
    expect(relay.eventFor({ state: 'starting' })).toBeUndefined();
    expect(relay.eventFor({ state: 'ready', pid: 5 })).toEqual({ state: 'restarted', at: at.toISOString() });
    expect(relay.eventFor({ state: 'ready', pid: 6 })).toBeUndefined();
  });
  it('stays quiet about a crash during a job (the queue reports that one with the item)', () => {
    const relay = new EngineStatusRelay(() => at);
    expect(relay.eventFor({ state: 'restarting', reason: 'oom', message: 'x', delayMs: 0, hadJobs: true })).toBeUndefined();
    expect(relay.eventFor({ state: 'ready', pid: 5 })).toBeUndefined();
  });
});
