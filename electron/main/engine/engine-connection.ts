// The engine protocol over one engine process: sends `init`, waits for `ready`, sends validated requests, routes the
// worker's validated events/results/failures to the right job, turns an AbortSignal into a `cancel` message, and fails
// every open job when the process ends. Requests sent before `ready` wait in order (the worker answers them after init).
// The same protocol as core/engine's EngineClient, over any EngineProcess instead of child_process.fork only.
//
// May import: core/shared, ./engine-process.
import { describeIssues } from '../../core/shared/describe-issues.js';
import {
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
} from '../../core/shared/engine-protocol.js';
import { AppError } from '../../core/shared/errors.js';
import { describeEngineExit, type EngineExit, type EngineProcess } from './engine-process.js';

export interface JobOptions {
  signal?: AbortSignal | undefined;
  onEvent?: ((event: EngineEvent) => void) | undefined;
}

type ResultOf = { upscale: UpscaleResult; probe: ProbeReport };
type RequestCall = Extract<ClientMessage, { type: 'request' }>['call'];

interface Pending {
  resolve: (value: never) => void;
  reject: (error: AppError) => void;
  onEvent: ((event: EngineEvent) => void) | undefined;
}

export class EngineConnection {
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private ended: EngineExit | undefined;
  /** Set when the main process itself stops the engine, so open jobs fail as closed rather than crashed. */
  private stopping = false;
  readonly ready: Promise<number>;

  /**
   * @param onEnd hears the process's end (after its open jobs have failed), unless stop() ended it; `hadJobs` says
   * whether a job was running (whose failure already tells the user) or the engine died idle.
   */
  constructor(
    private readonly process: EngineProcess,
    config: EngineConfig,
    onEnd: (exit: EngineExit, hadJobs: boolean) => void,
  ) {
    let markReady!: (pid: number) => void;
    let failReady!: (error: AppError) => void;
    this.ready = new Promise<number>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => undefined); // observed through the jobs it fails and the supervisor's status
    process.onMessage((raw) => this.receive(raw, markReady));
    process.onExit((exit) => {
      this.ended = exit;
      const error = this.stopping
        ? new AppError('ENGINE_CRASHED', 'The engine was stopped while this job was running; the job did not finish.')
        : new AppError('ENGINE_CRASHED', `${describeEngineExit(exit)} The job did not finish; the engine restarts for the next one.`, {
            details: { reason: exit.reason, exitCode: exit.code, output: exit.output },
          });
      failReady(error);
      const hadJobs = this.pending.size > 0;
      for (const job of [...this.pending.values()]) job.reject(error);
      if (!this.stopping) onEnd(exit, hadJobs);
    });
    this.send({ type: 'init', config });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  /** Jobs sent and not yet answered. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  upscale(request: UpscaleRequest, options: JobOptions = {}): Promise<UpscaleResult> {
    return this.call('upscale', request, options);
  }

  probe(request: ProbeRequest = {}): Promise<ProbeReport> {
    return this.call('probe', request, {});
  }

  /** Ends the process on purpose; open jobs fail as stopped and onEnd is not called. */
  stop(): void {
    this.stopping = true;
    if (this.alive) this.process.kill();
  }

  private call<M extends keyof ResultOf>(method: M, params: unknown, options: JobOptions): Promise<ResultOf[M]> {
    const { signal, onEvent } = options;
    // Checked here so a bad argument fails only its own call (the worker treats malformed messages as a broken contract).
    const checked = (method === 'upscale' ? UpscaleRequestSchema : ProbeRequestSchema).safeParse(params);
    if (!checked.success) {
      const problems = describeIssues(checked.error.issues, 'the request').join('; ');
      return Promise.reject(new AppError('INVALID_ARGUMENT', `Invalid ${method} request: ${problems}.`, { details: { argument: method } }));
    }
    if (signal?.aborted) return Promise.reject(new AppError('CANCELLED', `The ${method} job was cancelled before it started.`));
    if (this.ended) return Promise.reject(new AppError('ENGINE_CRASHED', `${describeEngineExit(this.ended)} The ${method} job was not started.`));
    const id = String(this.nextId++);
    return new Promise<ResultOf[M]>((resolve, reject) => {
      const onAbort = (): void => this.send({ type: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle =
        <A extends unknown[]>(fn: (...args: A) => void) =>
        (...args: A): void => {
          signal?.removeEventListener('abort', onAbort);
          this.pending.delete(id);
          fn(...args);
        };
      this.pending.set(id, { resolve: settle(resolve) as (value: never) => void, reject: settle(reject), onEvent });
      this.send({ type: 'request', id, call: { method, params: checked.data } as RequestCall });
    });
  }

  private send(message: ClientMessage): void {
    if (this.alive) this.process.postMessage(message);
  }

  private receive(raw: unknown, markReady: (pid: number) => void): void {
    const parsed = WorkerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.protocolFailure(new AppError('INTERNAL', `The engine process sent an invalid message: ${describeIssues(parsed.error.issues, 'the message').join('; ')}.`));
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ready':
        markReady(message.pid);
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
        this.protocolFailure(AppError.fromJSON(message.error));
        return;
    }
  }

  /** The two sides disagree on the contract: fail every open job with that reason and end this process. */
  private protocolFailure(error: AppError): void {
    for (const job of [...this.pending.values()]) job.reject(error);
    this.process.kill();
  }
}
