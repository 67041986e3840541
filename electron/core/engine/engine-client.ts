// The caller's side of the engine process: forks the worker, sends validated requests, streams events to callbacks,
// turns cancel (an AbortSignal) into a message, and rebuilds AppErrors from the worker's JSON. When the worker dies
// mid-job the job fails with ENGINE_CRASHED (with the exit code and the worker's last stderr lines); the next request
// starts a fresh worker, or call restart(). This is what the CLI, the app's queue and the browser-mode server use.
//
// May import: node:child_process, node:fs, node:path, core/shared, core/models (paths only).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../models/index.js';
import { describeIssues } from '../shared/describe-issues.js';
import {
  EngineConfigSchema,
  ProbeRequestSchema,
  UpscaleRequestSchema,
  WorkerMessageSchema,
  type ClientMessage,
  type EngineConfig,
  type EngineEvent,
  type ProbeReport,
  type ProbeRequest,
  type UpscaleRequest,
  type UpscaleResult,
  type WorkerMessage,
} from '../shared/engine-protocol.js';
import { AppError } from '../shared/errors.js';

export interface EngineClientOptions {
  /** Passed to the worker on start: model folders, threads. */
  config?: EngineConfig;
  /** The compiled worker entry; defaults to worker-main.js beside this file, else dist/core/engine/worker-main.js. */
  workerPath?: string;
  /** Node flags for the worker process. */
  execArgv?: string[];
}

export interface JobOptions {
  signal?: AbortSignal | undefined;
  onEvent?: ((event: EngineEvent) => void) | undefined;
}

type ResultOf = { upscale: UpscaleResult; probe: ProbeReport };

interface Pending {
  resolve: (value: never) => void;
  reject: (error: AppError) => void;
  onEvent: ((event: EngineEvent) => void) | undefined;
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  stderrTail: string[];
  /** Set when the client itself stops the worker, so its jobs fail as closed rather than crashed. */
  stopping: boolean;
}

const STDERR_LINES_KEPT = 20;

export function defaultWorkerPath(): string {
  const sibling = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  return existsSync(sibling) ? sibling : path.join(packageRoot(), 'dist', 'core', 'engine', 'worker-main.js');
}

export class EngineClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;

  constructor(private readonly options: EngineClientOptions = {}) {
    const config = EngineConfigSchema.safeParse(options.config ?? {});
    if (!config.success) {
      throw new AppError('INVALID_ARGUMENT', `Engine config: ${describeIssues(config.error.issues, 'the config').join('; ')}.`, { details: { argument: 'config' } });
    }
  }

  /** Process id of the running worker, if one is running. */
  get pid(): number | undefined {
    return this.worker?.child.pid;
  }

  /** Upscales one image file in the worker; resolves when the output file is in place. */
  upscale(request: UpscaleRequest, options: JobOptions = {}): Promise<UpscaleResult> {
    return this.call('upscale', request, options);
  }

  /** Which execution providers really work here. */
  probe(request: ProbeRequest = {}): Promise<ProbeReport> {
    return this.call('probe', request, {});
  }

  /** Starts the worker now (requests start it on demand); resolves once it is ready. */
  async start(): Promise<void> {
    await this.ensureWorker().ready;
  }

  /** Stops the worker (failing its jobs with ENGINE_CRASHED) and starts a fresh one. */
  async restart(): Promise<void> {
    await this.stopWorker();
    await this.start();
  }

  /** Stops the worker; pending jobs fail with ENGINE_CRASHED. */
  async close(): Promise<void> {
    await this.stopWorker();
  }

  private call<M extends keyof ResultOf>(method: M, params: unknown, options: JobOptions): Promise<ResultOf[M]> {
    const { signal, onEvent } = options;
    // Checked here so a bad argument fails only its own call (the worker treats malformed messages as a broken contract).
    const checked = (method === 'upscale' ? UpscaleRequestSchema : ProbeRequestSchema).safeParse(params);
    if (!checked.success) {
      return Promise.reject(
        new AppError('INVALID_ARGUMENT', `Invalid ${method} request: ${describeIssues(checked.error.issues, 'the request').join('; ')}.`, { details: { argument: method } }),
      );
    }
    if (signal?.aborted) return Promise.reject(new AppError('CANCELLED', `The ${method} job was cancelled before it started.`));
    const id = String(this.nextId++);
    return new Promise<ResultOf[M]>((resolve, reject) => {
      const worker = this.ensureWorker();
      const onAbort = (): void => this.send(worker, { type: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A): void => {
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        fn(...args);
      };
      this.pending.set(id, { resolve: settle(resolve) as (value: never) => void, reject: settle(reject), onEvent });
      this.send(worker, { type: 'request', id, call: { method, params } as never });
    });
  }

  private send(worker: Worker, message: ClientMessage): void {
    if (worker.child.connected) worker.child.send(message);
  }

  private ensureWorker(): Worker {
    if (this.worker && this.worker.child.exitCode === null && this.worker.child.signalCode === null) return this.worker;
    const workerPath = this.options.workerPath ?? defaultWorkerPath();
    if (!existsSync(workerPath)) {
      throw new AppError('ENGINE_CRASHED', `The engine worker ${workerPath} does not exist; run \`npm run build\` first.`, { path: workerPath });
    }
    const child = fork(workerPath, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: this.options.execArgv ?? [], serialization: 'json' });
    const stderrTail: string[] = [];
    const keep = (chunk: Buffer): void => {
      stderrTail.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      stderrTail.splice(0, Math.max(0, stderrTail.length - STDERR_LINES_KEPT));
    };
    child.stderr?.on('data', keep);
    child.stdout?.on('data', keep);
    let markReady!: () => void;
    let failStart!: (error: AppError) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    ready.catch(() => undefined); // observed through the jobs it fails
    const worker: Worker = { child, ready, stderrTail, stopping: false };
    this.worker = worker;

    child.on('message', (raw) => this.receive(worker, raw, markReady));
    child.on('error', (err) => {
      const error = new AppError('ENGINE_CRASHED', `The engine worker ${workerPath} failed: ${err.message}`, { path: workerPath });
      failStart(error);
      for (const job of [...this.pending.values()]) job.reject(error);
    });
    child.on('exit', (code, signal) => {
      if (this.worker === worker) this.worker = undefined;
      const how = signal
        ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (on Linux usually the out-of-memory killer: try a smaller tile or a smaller image)' : ''}`
        : `exited with code ${code}`;
      const tail = stderrTail.length ? ` Last output: ${stderrTail.slice(-5).join(' | ')}` : '';
      const error = new AppError(
        'ENGINE_CRASHED',
        worker.stopping
          ? 'The engine was closed while this job was running; the job did not finish.'
          : `The engine process ${how} while working; the job did not finish. The next job starts a fresh engine.${tail}`,
        { details: { exitCode: code, signal, stderr: [...stderrTail] } },
      );
      failStart(error);
      for (const job of [...this.pending.values()]) job.reject(error);
    });
    const init: ClientMessage = { type: 'init', config: this.options.config ?? {} };
    child.send(init);
    return worker;
  }

  private receive(worker: Worker, raw: unknown, markReady: () => void): void {
    const parsed = WorkerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.protocolFailure(worker, new AppError('INTERNAL', `The engine worker sent an invalid message: ${parsed.error.message}`));
      return;
    }
    const message: WorkerMessage = parsed.data;
    switch (message.type) {
      case 'ready':
        markReady();
        return;
      case 'event':
        this.pending.get(message.id)?.onEvent?.(message.event);
        return;
      case 'result':
        this.pending.get(message.id)?.resolve(message.result.value as never);
        return;
      case 'failure':
        this.pending.get(message.id)?.reject(AppError.fromJSON(message.error));
        return;
      case 'protocol-error':
        this.protocolFailure(worker, AppError.fromJSON(message.error));
        return;
    }
  }

  /** The two sides disagree on the contract: fail every job and drop this worker. */
  private protocolFailure(worker: Worker, error: AppError): void {
    for (const job of [...this.pending.values()]) job.reject(error);
    worker.child.kill();
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.stopping = true;
    const exited = new Promise<void>((resolve) => worker.child.once('exit', () => resolve()));
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill();
      const forced = setTimeout(() => worker.child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(forced);
    }
  }
}
