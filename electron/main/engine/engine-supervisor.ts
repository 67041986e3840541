// Keeps one engine process alive for the app: starts it, hands jobs to it, and when it dies (crash, out of memory,
// killed) lets the running job fail with the reason (core/engine's EngineClient does that: it speaks the protocol, over
// the utilityProcess transport given as `spawn`), restarts it under the restart policy and reports every change as an
// EngineStatus for the UI (`engine/status`). Jobs asked for while the engine is (re)starting wait for it; once the
// policy gives up they fail at once until restart() is called.
// It offers the same calls as EngineClient (upscale, probe, inspect, preview, restart, close), so the queue and the API take either.
//
// May import: core/shared, core/engine, ./restart-policy.
import {
  describeEngineExit,
  EngineClient,
  type EngineExit,
  type EngineExitReason,
  type JobOptions,
  type SpawnEngineProcess,
} from '../../core/engine/index.js';
import type {
  EngineConfig,
  InspectRequest,
  InspectResult,
  PreviewRequest,
  PreviewResult,
  DisplayRequest,
  DisplayResult,
  InspectModelRequest,
  ModelInspection,
  ProbeReport,
  ProbeRequest,
  UpscaleRequest,
  UpscaleResult,
} from '../../core/shared/engine-protocol.js';
import { AppError } from '../../core/shared/errors.js';
import { DEFAULT_RESTART_POLICY, decideRestart, type RestartPolicy } from './restart-policy.js';

export type EngineStatus =
  | { state: 'starting' }
  | { state: 'ready'; pid: number }
  | { state: 'restarting'; reason: EngineExitReason; message: string; delayMs: number; hadJobs: boolean }
  | { state: 'failed'; reason: EngineExitReason; message: string; hadJobs: boolean }
  | { state: 'stopped' };

export interface EngineSupervisorOptions {
  spawn: SpawnEngineProcess;
  config: EngineConfig;
  onStatus: (status: EngineStatus) => void;
  policy?: RestartPolicy;
  /** Injected for tests; defaults to setTimeout and Date.now. */
  schedule?: (run: () => void, delayMs: number) => void;
  now?: () => number;
}

export class EngineSupervisor {
  /** Speaks the protocol to the current engine process; jobs reach it only through live(), which applies the policy. */
  private readonly client: EngineClient;
  private crashTimes: number[] = [];
  private gaveUp: AppError | undefined;
  private closed = false;
  private readonly policy: RestartPolicy;
  private readonly schedule: (run: () => void, delayMs: number) => void;
  private readonly now: () => number;
  /** Resolves once the engine is ready; replaced on each (re)start so waiting jobs go to the new process. */
  private current: Promise<void> | undefined;
  /** Bumped whenever restart()/close() take over, so a relaunch scheduled before that does not start a second process. */
  private generation = 0;

  constructor(private readonly options: EngineSupervisorOptions) {
    this.policy = options.policy ?? DEFAULT_RESTART_POLICY;
    this.schedule = options.schedule ?? ((run, delayMs) => void setTimeout(run, delayMs));
    this.now = options.now ?? Date.now;
    this.client = new EngineClient({ config: options.config, spawn: options.spawn, onExit: (exit, hadJobs) => this.onCrash(exit, hadJobs) });
  }

  /** Process id of the running engine, if any. */
  get pid(): number | undefined {
    return this.client.pid;
  }

  /** Starts the engine now (jobs start it on demand); resolves once it is ready. */
  async start(): Promise<void> {
    await this.live();
  }

  upscale(request: UpscaleRequest, options: JobOptions = {}): Promise<UpscaleResult> {
    return this.live().then(() => this.client.upscale(request, options));
  }

  probe(request: ProbeRequest = {}): Promise<ProbeReport> {
    return this.live().then(() => this.client.probe(request));
  }

  inspect(request: InspectRequest, options: JobOptions = {}): Promise<InspectResult> {
    return this.live().then(() => this.client.inspect(request, options));
  }

  inspectModel(request: InspectModelRequest): Promise<ModelInspection> {
    return this.live().then(() => this.client.inspectModel(request));
  }

  display(request: DisplayRequest, options: JobOptions = {}): Promise<DisplayResult> {
    return this.live().then(() => this.client.display(request, options));
  }

  preview(request: PreviewRequest, options: JobOptions = {}): Promise<PreviewResult> {
    return this.live().then(() => this.client.preview(request, options));
  }

  /** Stops the engine (its open jobs fail as stopped), forgets past crashes and starts a fresh one. */
  async restart(): Promise<void> {
    this.stopEngine();
    this.crashTimes = [];
    this.gaveUp = undefined;
    this.closed = false;
    await this.live();
  }

  /** Stops the engine for good (app quit); open jobs fail as stopped. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopEngine();
    this.options.onStatus({ state: 'stopped' });
  }

  private live(): Promise<void> {
    if (this.closed) return Promise.reject(new AppError('ENGINE_CRASHED', 'The engine has been shut down (the app is closing).'));
    if (this.gaveUp) return Promise.reject(this.gaveUp);
    return this.current ?? this.track(this.launch());
  }

  /**
   * Makes `launching` the start jobs wait for. One that fails without a crash to restart from (the process could not
   * even be spawned) is forgotten, so the next job tries again.
   */
  private track(launching: Promise<void>): Promise<void> {
    this.current = launching;
    launching.catch(() => {
      if (this.current === launching) this.current = undefined;
    });
    return launching;
  }

  private launch(): Promise<void> {
    this.options.onStatus({ state: 'starting' });
    return this.client.start().then((pid) => this.options.onStatus({ state: 'ready', pid }));
  }

  /** The client heard the engine process end without being asked to (its open jobs have failed already). */
  private onCrash(exit: EngineExit, hadJobs: boolean): void {
    this.current = undefined;
    const now = this.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < this.policy.windowMs), now];
    const decision = decideRestart(this.policy, this.crashTimes, now);
    const message = describeEngineExit(exit);
    if (!decision.restart) {
      const seconds = Math.round(decision.windowMs / 1000);
      const text = `${message} It stopped ${decision.crashes} times within ${seconds} s, so it is not restarted automatically; restart the engine from the Engine menu, or pick another model or provider.`;
      this.gaveUp = new AppError('ENGINE_CRASHED', text, { details: { reason: exit.reason, crashes: decision.crashes } });
      this.options.onStatus({ state: 'failed', reason: exit.reason, message: text, hadJobs });
      return;
    }
    this.options.onStatus({ state: 'restarting', reason: exit.reason, message, delayMs: decision.delayMs, hadJobs });
    // Jobs asked for during the delay wait on this promise and go to the new process.
    const generation = this.generation;
    this.track(
      new Promise<void>((resolve) => this.schedule(resolve, decision.delayMs)).then(() =>
        generation === this.generation ? this.launch() : this.live(), // restart() or close() took over meanwhile
      ),
    );
  }

  /** Ends the current process without waiting for it (its exit fails its open jobs as stopped, not as a crash). */
  private stopEngine(): void {
    this.generation++;
    this.current = undefined;
    void this.client.close();
  }
}
