// The caller's side of the engine protocol: starts an engine process (child_process.fork by default, any
// EngineProcess through `spawn`), sends `init` and validated requests, routes the worker's validated events, results
// and failures to the right job, turns cancel (an AbortSignal) into a message, and rebuilds AppErrors from the worker's
// JSON. A cancelled job whose worker is stuck inside one long model run (onnxruntime's run blocks the worker's event
// loop, so it cannot hear the cancel) is ended by stopping that worker after CANCEL_GRACE_MS: cancel takes effect
// within a second whatever the tile costs; the next request starts a fresh worker. When the process ends mid-job the job fails with ENGINE_CRASHED (with the reason, exit code, signal and the
// process's last output lines); the next request starts a fresh process, or call restart(). This is what the CLI, the
// browser-mode server and (through electron/main's EngineSupervisor, over a utilityProcess) the app use.
//
// May import: node:fs, node:path, node:url, core/shared, core/models (paths only), core/imageio/atomic (temp-file
// cleanup only; no sharp), ./engine-process, ./fork-engine-process.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeLeftoverTemps } from '../imageio/atomic.js';
import { packageRoot } from '../models/index.js';
import { describeIssues } from '../shared/describe-issues.js';
import {
  EngineConfigSchema,
  DisplayRequestSchema,
  InspectModelRequestSchema,
  InspectRequestSchema,
  PreviewRequestSchema,
  ProbeRequestSchema,
  UpscaleRequestSchema,
  WorkerMessageSchema,
  type ClientMessage,
  type EngineConfig,
  type EngineEvent,
  type DisplayRequest,
  type DisplayResult,
  type InspectModelRequest,
  type ModelInspection,
  type InspectRequest,
  type InspectResult,
  type PreviewRequest,
  type PreviewResult,
  type ProbeReport,
  type ProbeRequest,
  type UpscaleRequest,
  type UpscaleResult,
} from '../shared/engine-protocol.js';
import { AppError, isAppError } from '../shared/errors.js';
import type { PauseController } from '../shared/pause.js';
import { describeEngineExit, type EngineExit, type EngineProcess, type SpawnEngineProcess } from './engine-process.js';
import { forkEngineSpawner } from './fork-engine-process.js';

export interface EngineClientOptions {
  /** Passed to the worker on start: model folders, threads. */
  config?: EngineConfig;
  /** The compiled worker entry for the default transport; defaults to defaultWorkerPath(). */
  workerPath?: string;
  /** Node flags for the worker process (default transport). */
  execArgv?: string[];
  /** Starts one engine process; defaults to child_process.fork of `workerPath`. */
  spawn?: SpawnEngineProcess;
  /**
   * Hears a process's end that the client did not ask for (close() and restart() do not report), after its open jobs
   * have failed; `hadJobs` says whether a job was running (whose failure already tells the user) or it died idle.
   */
  onExit?: (exit: EngineExit, hadJobs: boolean) => void;
}

/** How long a cancelled job may take to stop by itself before its worker is stopped. */
export const CANCEL_GRACE_MS = 150;

export interface JobOptions {
  signal?: AbortSignal | undefined;
  /** Pauses an upscale between tiles; relayed to the worker as `hold` messages. */
  pause?: PauseController | undefined;
  onEvent?: ((event: EngineEvent) => void) | undefined;
}

type ResultOf = {
  upscale: UpscaleResult;
  probe: ProbeReport;
  inspect: InspectResult;
  preview: PreviewResult;
  display: DisplayResult;
  'inspect-model': ModelInspection;
};
const REQUEST_SCHEMAS = {
  upscale: UpscaleRequestSchema,
  probe: ProbeRequestSchema,
  inspect: InspectRequestSchema,
  preview: PreviewRequestSchema,
  display: DisplayRequestSchema,
  'inspect-model': InspectModelRequestSchema,
} as const;
type RequestCall = Extract<ClientMessage, { type: 'request' }>['call'];

interface Pending {
  resolve: (value: never) => void;
  reject: (error: AppError) => void;
  onEvent: ((event: EngineEvent) => void) | undefined;
}

/** One engine process and the jobs sent to it. */
interface Worker {
  process: EngineProcess;
  /** Resolves with the worker's own pid once it has answered `init`. */
  ready: Promise<number>;
  pending: Map<string, Pending>;
  exited: Promise<void>;
  ended: boolean;
  /** Set when the client itself stops the worker, so its jobs fail as stopped rather than crashed. */
  stopping: boolean;
}

export function defaultWorkerPath(): string {
  const sibling = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  return existsSync(sibling) ? sibling : path.join(packageRoot(), 'dist', 'core', 'engine', 'worker-main.js');
}

export class EngineClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly spawn: SpawnEngineProcess;

  constructor(private readonly options: EngineClientOptions = {}) {
    const config = EngineConfigSchema.safeParse(options.config ?? {});
    if (!config.success) {
      throw new AppError('INVALID_ARGUMENT', `Engine config: ${describeIssues(config.error.issues, 'the config').join('; ')}.`, { details: { argument: 'config' } });
    }
    this.spawn = options.spawn ?? forkEngineSpawner(options.workerPath ?? defaultWorkerPath(), options.execArgv);
  }

  /** Process id of the running worker, if one is running. */
  get pid(): number | undefined {
    return this.worker?.process.pid;
  }

  /** Upscales one image file in the worker; resolves when the output file is in place. When the worker dies
   * mid-job it cannot clean up, so the half-written temp file of the output is removed here. */
  async upscale(request: UpscaleRequest, options: JobOptions = {}): Promise<UpscaleResult> {
    try {
      return await this.call('upscale', request, options);
    } catch (error) {
      // A cancel that had to stop the worker ends it as a crash does: it could not remove its own temp file.
      if (isAppError(error) && (error.code === 'ENGINE_CRASHED' || error.code === 'CANCELLED')) await removeLeftoverTemps(request.output);
      throw error;
    }
  }

  /** Which execution providers really work here. */
  probe(request: ProbeRequest = {}): Promise<ProbeReport> {
    return this.call('probe', request, {});
  }

  /** Header probes of image files in the worker (format and oriented size, or each file's error); no pixels decoded. */
  inspect(request: InspectRequest, options: JobOptions = {}): Promise<InspectResult> {
    return this.call('inspect', request, options);
  }

  /** A region preview rendered in the worker: the model's and bicubic's upscale of one region, as PNGs in `request.dir`. */
  preview(request: PreviewRequest, options: JobOptions = {}): Promise<PreviewResult> {
    return this.call('preview', request, options);
  }

  /** A PNG copy of an image the browser cannot show (TIFF), written in the worker. */
  display(request: DisplayRequest, options: JobOptions = {}): Promise<DisplayResult> {
    return this.call('display', request, options);
  }

  /** What an ONNX file the user adds takes and gives, found by running it in the worker. */
  inspectModel(request: InspectModelRequest): Promise<ModelInspection> {
    return this.call('inspect-model', request, {});
  }

  /** Starts the worker now (requests start it on demand); resolves with its pid once it is ready. */
  async start(): Promise<number> {
    return this.ensureWorker().ready;
  }

  /** Stops the worker (failing its jobs with ENGINE_CRASHED) and starts a fresh one. */
  async restart(): Promise<void> {
    await this.stopWorker();
    await this.start();
  }

  /** Stops the worker; pending jobs fail with ENGINE_CRASHED. A later request starts a fresh one. */
  async close(): Promise<void> {
    await this.stopWorker();
  }

  private call<M extends keyof ResultOf>(method: M, params: unknown, options: JobOptions): Promise<ResultOf[M]> {
    const { signal, pause, onEvent } = options;
    // Checked here so a bad argument fails only its own call (the worker treats malformed messages as a broken contract).
    const checked = REQUEST_SCHEMAS[method].safeParse(params);
    if (!checked.success) {
      const problems = describeIssues(checked.error.issues, 'the request').join('; ');
      return Promise.reject(new AppError('INVALID_ARGUMENT', `Invalid ${method} request: ${problems}.`, { details: { argument: method } }));
    }
    if (signal?.aborted) return Promise.reject(new AppError('CANCELLED', `The ${method} job was cancelled before it started.`));
    const id = String(this.nextId++);
    return new Promise<ResultOf[M]>((resolve, reject) => {
      const worker = this.ensureWorker();
      let stopTimer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        this.send(worker, { type: 'cancel', id });
        stopTimer = setTimeout(() => void this.stopStuckJob(worker, id), CANCEL_GRACE_MS);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const stopRelay = pause?.onChange((paused) => this.send(worker, { type: 'hold', id, paused }));
      const settle =
        <A extends unknown[]>(fn: (...args: A) => void) =>
        (...args: A): void => {
          signal?.removeEventListener('abort', onAbort);
          clearTimeout(stopTimer);
          stopRelay?.();
          worker.pending.delete(id);
          fn(...args);
        };
      worker.pending.set(id, { resolve: settle(resolve) as (value: never) => void, reject: settle(reject), onEvent });
      this.send(worker, { type: 'request', id, call: { method, params: checked.data } as RequestCall });
      if (pause?.paused) this.send(worker, { type: 'hold', id, paused: true });
    });
  }

  private send(worker: Worker, message: ClientMessage): void {
    if (!worker.ended) worker.process.postMessage(message);
  }

  /** The running worker, or a freshly spawned one (requests sent before `ready` wait in order in the worker). */
  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    let spawned: EngineProcess;
    try {
      spawned = this.spawn();
    } catch (error) {
      throw error instanceof AppError ? error : new AppError('ENGINE_CRASHED', `The engine process could not be started: ${String(error)}`);
    }
    let markReady!: (pid: number) => void;
    let failReady!: (error: AppError) => void;
    const ready = new Promise<number>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => undefined); // observed through the jobs it fails
    let markExited!: () => void;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const worker: Worker = { process: spawned, ready, pending: new Map(), exited, ended: false, stopping: false };
    this.worker = worker;

    spawned.onMessage((raw) => this.receive(worker, raw, markReady));
    spawned.onExit((exit) => {
      worker.ended = true;
      if (this.worker === worker) this.worker = undefined;
      const error = worker.stopping
        ? new AppError('ENGINE_CRASHED', 'The engine was stopped while this job was running; the job did not finish.')
        : new AppError('ENGINE_CRASHED', `${describeEngineExit(exit)} The job did not finish; the next job starts a fresh engine.`, {
            details: { reason: exit.reason, exitCode: exit.code, signal: exit.signal ?? null, output: exit.output },
          });
      failReady(error);
      const hadJobs = worker.pending.size > 0;
      for (const job of [...worker.pending.values()]) job.reject(error);
      markExited();
      if (!worker.stopping) this.options.onExit?.(exit, hadJobs);
    });
    this.send(worker, { type: 'init', config: this.options.config ?? {} });
    return worker;
  }

  private receive(worker: Worker, raw: unknown, markReady: (pid: number) => void): void {
    const parsed = WorkerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.protocolFailure(worker, new AppError('INTERNAL', `The engine process sent an invalid message: ${describeIssues(parsed.error.issues, 'the message').join('; ')}.`));
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ready':
        markReady(message.pid);
        return;
      case 'event':
        worker.pending.get(message.id)?.onEvent?.(message.event);
        return;
      case 'result':
        worker.pending.get(message.id)?.resolve(message.result.value as never);
        return;
      case 'failure':
        worker.pending.get(message.id)?.reject(AppError.fromJSON(message.error));
        return;
      case 'protocol-error':
        this.protocolFailure(worker, AppError.fromJSON(message.error));
        return;
    }
  }

  /** The two sides disagree on the contract: fail every open job with that reason and end this process. */
  private protocolFailure(worker: Worker, error: AppError): void {
    for (const job of [...worker.pending.values()]) job.reject(error);
    worker.process.kill();
  }

  /** A cancelled job that has not ended after the grace: its worker is busy in the model, so stop the worker. */
  private async stopStuckJob(worker: Worker, id: string): Promise<void> {
    const job = worker.pending.get(id);
    if (!job || worker.ended) return;
    // Taken out of the worker's jobs first, so the exit fails only the others (as stopped) and this one as cancelled.
    worker.pending.delete(id);
    if (this.worker === worker) this.worker = undefined;
    worker.stopping = true;
    worker.process.kill({ now: true });
    await worker.exited;
    job.reject(new AppError('CANCELLED', 'The job was cancelled; its engine process was stopped mid-tile and nothing was written.'));
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.stopping = true;
    worker.process.kill();
    await worker.exited;
  }
}
