// The job queue: the ONLY owner of job state in the app. Items move queued -> running -> done | failed | cancelled
// (failed and cancelled go back to queued on retry); the queue itself is idle, running or paused. One item runs at a
// time through the engine; a failing item never stops the rest; cancel and pause reach the engine through an
// AbortSignal (the engine writes nothing for an aborted job). Every change of state is persisted (QueueFile) and
// announced as events; progress per tile is announced but not persisted.
//
// Pause holds the running item at its next tile boundary (the engine waits there with its finished tiles, and the
// item's progress says `paused` once it has stopped), and no further item starts; resume lets it go on where it
// stopped. A paused item can still be cancelled or removed. An engine crash fails the running item with the crash's reason; the engine
// client starts a fresh worker on the next request, and the queue goes on.
//
// Exactly once: before the engine starts writing, the item's target and the file that was there are saved
// (`writing`); an item found with it after the app died knows whether it already renamed its output into place.
//
// May import: node:crypto, node:path, core/shared, core/engine (types, ThroughputEta via ./throughput), ./job-plan,
// ./persistence, ./throughput.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { JobOptions, UpscaleRequest, UpscaleResult } from '../engine/index.js';
import type { ApiEventMessage, ItemProgress, QueueItem, QueueSnapshot, QueueSummary } from '../shared/api.js';
import { AppError, toAppError } from '../shared/errors.js';
import type { EngineEvent } from '../shared/engine-protocol.js';
import { PauseController } from '../shared/pause.js';
import { resolveItemSettings, type ItemOverrides, type ItemSettingKey, type ItemSettings } from '../shared/settings.js';
import { fileIdentity, outputFolder, planJob, wroteSince, type ModelLookup } from './job-plan.js';
import type { FoundImage } from './inputs.js';
import { emptyQueue, type PersistedQueue, type QueueFile, type QueueRecord } from './persistence.js';
import { ThroughputMeter } from './throughput.js';

/** The part of EngineClient the queue uses (a fake implements it in unit tests). */
export interface QueueEngine {
  upscale(request: UpscaleRequest, options?: JobOptions): Promise<UpscaleResult>;
}

export interface JobQueueOptions {
  engine: QueueEngine;
  /** Global item settings, read when an item runs or is listed (per-item overrides apply on top). */
  defaults: () => ItemSettings;
  lookupModel: ModelLookup;
  /** Where the queue is persisted; undefined keeps it in memory only. */
  file?: QueueFile | undefined;
  /** Receives every event the queue emits. */
  emit: (message: ApiEventMessage) => void;
  now?: () => Date;
  newId?: () => string;
}

/** Why the running job is being aborted: decides the state the item ends in. */
type AbortIntent = 'cancel' | 'remove' | 'close';

interface ActiveJob {
  id: string;
  controller: AbortController;
  pause: PauseController;
  intent: AbortIntent | undefined;
  done: Promise<void>;
}

export const imageHandles = {
  input: (id: string): string => `item/${id}/input`,
  output: (id: string): string => `item/${id}/output`,
};

export class JobQueue {
  private status: PersistedQueue['status'] = 'idle';
  /** Raised on every change announced; see QueueSnapshot.revision. */
  private revision = 0;
  private records: QueueRecord[] = [];
  private readonly progress = new Map<string, ItemProgress>();
  private active: ActiveJob | undefined;
  /** Items that ended since the last start, for the summary and the run's fraction. */
  private readonly endedInRun = new Set<string>();
  private summary: QueueSummary | undefined;
  private engineCrashed = false;
  private closed = false;
  private readonly meter = new ThroughputMeter();
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly options: JobQueueOptions) {
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  /** Loads the persisted queue (if any) and resumes it when it was running. Returns why the file was unusable, if so. */
  async restore(options: { resume: boolean }): Promise<AppError | undefined> {
    if (!this.options.file) return undefined;
    const loaded = await this.options.file.load();
    this.records = loaded.value.items;
    this.status = loaded.value.status === 'running' && !options.resume ? 'idle' : loaded.value.status;
    this.changed();
    this.pump();
    return loaded.problem ? AppError.fromJSON(loaded.problem) : undefined;
  }

  // ---- reading ----------------------------------------------------------------------------------------------------

  snapshot(): QueueSnapshot {
    return {
      revision: this.revision,
      status: this.status,
      items: this.records.map((r) => this.view(r)),
      overall: this.overall(),
      ...(this.summary ? { summary: this.summary } : {}),
    };
  }

  /** The item's record, read-only: every change goes through the queue's methods. */
  find(id: string): Readonly<QueueRecord> | undefined {
    return this.records.find((r) => r.id === id);
  }

  /** The item's record, read-only; INVALID_ARGUMENT when there is none. */
  record(id: string): Readonly<QueueRecord> {
    return this.owned(id);
  }

  private owned(id: string): QueueRecord {
    const record = this.records.find((r) => r.id === id);
    if (!record) throw new AppError('INVALID_ARGUMENT', `No queue item has id "${id}"; it may have been removed. Refresh the queue.`, { details: { argument: 'id', id } });
    return record;
  }

  settingsOf(record: Readonly<QueueRecord>): ItemSettings {
    return resolveItemSettings(this.options.defaults(), record.overrides);
  }

  speed(model: string): ReturnType<ThroughputMeter['speed']> {
    return this.meter.speed(model);
  }

  /** Announces the queue again: the global settings changed, so every item's effective settings may have. */
  settingsChanged(): void {
    this.changed();
  }

  /** Resolves once no job is running (for shutdown and tests). */
  async settled(): Promise<void> {
    while (this.active) await this.active.done;
  }

  // ---- changing ---------------------------------------------------------------------------------------------------

  /** Queues images; an input already queued or running is not added twice. Returns the new ids. */
  add(images: readonly FoundImage[]): string[] {
    const pending = new Set(this.records.filter((r) => r.state === 'queued' || r.state === 'running').map((r) => r.input));
    const ids: string[] = [];
    for (const image of images) {
      if (pending.has(image.path)) continue;
      pending.add(image.path);
      const id = this.newId();
      ids.push(id);
      this.records.push({
        id,
        input: image.path,
        name: path.basename(image.path),
        ...(image.size ? { inputSize: image.size } : {}),
        ...(image.format ? { inputFormat: image.format } : {}),
        state: 'queued',
        overrides: {},
        addedAt: this.now().toISOString(),
        attempts: 0,
      });
    }
    if (ids.length > 0) this.commit();
    return ids;
  }

  start(): void {
    if (this.status === 'running') return;
    if (this.status === 'paused' && this.active) {
      this.status = 'running';
      this.active.pause.resume();
      this.commit();
      return;
    }
    if (!this.records.some((r) => r.state === 'queued' || r.state === 'running')) {
      this.status = 'idle';
      this.commit();
      return;
    }
    this.status = 'running';
    this.summary = undefined;
    this.endedInRun.clear();
    this.commit();
  }

  pause(): void {
    if (this.status !== 'running') return;
    this.status = 'paused';
    this.active?.pause.pause();
    this.commit();
  }

  /** Cancels the given items (all queued and running ones without ids). Finished items are left as they are. */
  cancel(ids?: readonly string[]): void {
    const targets = ids ? ids.map((id) => this.owned(id)) : this.records;
    for (const record of targets) {
      if (record.state === 'queued') this.end(record, 'cancelled', { error: cancelledError(record.input) });
      else if (record.state === 'running') this.abortActive('cancel');
    }
    this.commit();
  }

  /** Failed and cancelled items back to queued (all failed ones without ids). */
  retry(ids?: readonly string[]): void {
    this.requeue(ids ? ids.map((id) => this.owned(id)) : this.records.filter((r) => r.state === 'failed'), ['failed', 'cancelled'], 'retried');
  }

  /**
   * Finished items (done ones too) back to queued, to run with their settings as they are now (e.g. another model);
   * an idle queue starts. The earlier output stays on disk; the overwrite policy decides the new one's name.
   */
  runAgain(ids: readonly string[]): void {
    this.requeue(
      ids.map((id) => this.owned(id)),
      ['done', 'failed', 'cancelled'],
      'run again',
    );
    if (this.status === 'idle') this.start();
  }

  private requeue(targets: QueueRecord[], allowed: readonly QueueRecord['state'][], verb: string): void {
    for (const record of targets) {
      if (!allowed.includes(record.state)) {
        throw new AppError('INVALID_ARGUMENT', `Item "${record.name}" is ${record.state}; only ${allowed.join(', ')} items can be ${verb}.`, {
          path: record.input,
          details: { argument: 'ids', id: record.id, state: record.state },
        });
      }
    }
    for (const record of targets) {
      record.state = 'queued';
      delete record.error;
      delete record.result;
      this.endedInRun.delete(record.id);
    }
    this.commit();
  }

  remove(ids: readonly string[]): void {
    const targets = new Set(ids.map((id) => this.record(id).id));
    if (this.active && targets.has(this.active.id)) this.abortActive('remove');
    this.records = this.records.filter((r) => !targets.has(r.id));
    for (const id of targets) {
      this.progress.delete(id);
      this.endedInRun.delete(id);
    }
    this.commit();
  }

  clear(which: 'finished' | 'all'): void {
    const keep = (r: QueueRecord): boolean => r.state === 'running' || (which === 'finished' && (r.state === 'queued' || r.state === 'failed'));
    this.remove(this.records.filter((r) => !keep(r)).map((r) => r.id));
  }

  updateItems(ids: readonly string[], set: ItemOverrides = {}, reset: readonly ItemSettingKey[] = []): void {
    const targets = ids.map((id) => this.owned(id));
    const running = targets.find((r) => r.state === 'running');
    if (running) {
      throw new AppError('INVALID_ARGUMENT', `Item "${running.name}" is running; its settings can change once it has finished (or after cancelling it).`, {
        path: running.input,
        details: { argument: 'ids', id: running.id },
      });
    }
    for (const record of targets) {
      const overrides: ItemOverrides = { ...record.overrides, ...set };
      for (const key of reset) delete overrides[key];
      record.overrides = overrides;
    }
    this.commit();
  }

  /** Stops the running job (it stays queued, to run again on the next start) and writes the queue; the status is kept. */
  async close(): Promise<void> {
    this.closed = true;
    this.abortActive('close');
    await this.settled();
    await this.persist();
    await this.options.file?.flush();
  }

  // ---- running ----------------------------------------------------------------------------------------------------

  private pump(): void {
    if (this.closed || this.active || this.status !== 'running') return;
    const next = this.records.find((r) => r.state === 'queued');
    if (!next) {
      this.finishRun();
      return;
    }
    const controller = new AbortController();
    const job: ActiveJob = { id: next.id, controller, pause: new PauseController(), intent: undefined, done: Promise.resolve() };
    this.active = job;
    next.state = 'running';
    this.progress.set(next.id, { stage: 'waiting', tile: 0, tiles: 0, fraction: 0, etaMs: null });
    this.commit();
    job.done = this.run(next, job).finally(() => {
      this.active = undefined;
      this.progress.delete(next.id);
      this.commit();
    });
  }

  private async run(record: QueueRecord, job: ActiveJob): Promise<void> {
    const settings = this.settingsOf(record);
    let tileMs = 0;
    try {
      // Exactly once: the output of a run that was interrupted after its rename but before the queue was saved (the
      // app killed in that window) is this item's result, not a reason to write it again as "name (2)".
      if (record.writing && (await wroteSince(record.writing.output, record.writing.before))) {
        const { output, model } = record.writing;
        this.end(record, 'done', { result: { outcome: 'written', output, outputImage: { handle: imageHandles.output(record.id) }, model, finishedAt: this.now().toISOString() } });
        return;
      }
      const plan = await planJob(record, settings, this.options.lookupModel);
      if (plan.kind === 'skip') {
        this.end(record, 'done', { result: { outcome: 'skipped-existing', output: plan.output, outputImage: { handle: imageHandles.output(record.id) }, model: plan.model, finishedAt: this.now().toISOString() } });
        return;
      }
      if (this.engineCrashed) {
        this.engineCrashed = false;
        this.options.emit({ event: 'engine/status', payload: { state: 'restarted', id: record.id, at: this.now().toISOString() } });
      }
      const pixels = record.inputSize ? record.inputSize.width * record.inputSize.height : undefined;
      const onEvent = (event: EngineEvent): void => {
        if (event.type === 'progress') {
          tileMs += event.ms;
          if (pixels !== undefined && event.tiles > 0) this.meter.recordTile(plan.model, pixels / event.tiles, event.ms);
        }
        this.onEngineEvent(record.id, event);
      };
      // The target and what was there before are on disk before the engine can rename anything into place.
      record.writing = { output: plan.output, model: plan.model, before: await fileIdentity(plan.output) };
      await this.persist();
      const result = await this.options.engine.upscale(plan.request, { signal: job.controller.signal, pause: job.pause, onEvent });
      this.meter.recordItem(plan.model, result.provider, result.wallMs, tileMs);
      this.end(record, 'done', {
        result: {
          outcome: 'written',
          output: result.output,
          outputImage: { handle: imageHandles.output(record.id), ...result.outputSize },
          outputSize: result.outputSize,
          model: result.model,
          provider: result.provider,
          tile: result.tile,
          tiles: result.tiles,
          wallMs: result.wallMs,
          finishedAt: this.now().toISOString(),
        },
      });
    } catch (thrown) {
      delete record.writing;
      const error = toAppError(thrown, 'INTERNAL', record.input);
      switch (job.intent) {
        case 'close':
          record.state = 'queued';
          return;
        case 'remove':
          return;
        case 'cancel':
          this.end(record, 'cancelled', { error: cancelledError(record.input) });
          return;
        case undefined:
          if (error.code === 'ENGINE_CRASHED') {
            this.engineCrashed = true;
            this.options.emit({ event: 'engine/status', payload: { state: 'crashed', reason: error.message, id: record.id, at: this.now().toISOString() } });
          }
          this.end(record, 'failed', { error: error.toJSON() });
      }
    }
  }

  private onEngineEvent(id: string, event: EngineEvent): void {
    const current = this.progress.get(id);
    if (!current) return;
    if (event.type === 'notice') {
      this.options.emit({ event: 'engine/notice', payload: { id, code: event.code, message: event.message, ...(event.details ? { details: event.details } : {}) } });
      return;
    }
    if (event.type === 'hold') {
      this.progress.set(id, { ...current, paused: event.paused });
      this.changed();
      return;
    }
    const next: ItemProgress =
      event.type === 'stage'
        ? { ...current, stage: event.stage, ...(event.stage === 'encoding' ? { fraction: 1, etaMs: 0 } : {}) }
        : { stage: 'upscaling', tile: event.tile, tiles: event.tiles, fraction: event.tiles > 0 ? Math.min(1, event.tile / event.tiles) : 0, etaMs: event.etaMs };
    this.progress.set(id, next);
    this.options.emit({ event: 'item/progress', payload: { id, progress: next, overall: this.overall() } });
  }

  private end(record: QueueRecord, state: 'done' | 'failed' | 'cancelled', outcome: Pick<QueueRecord, 'result' | 'error'>): void {
    record.state = state;
    record.attempts += 1;
    delete record.result;
    delete record.error;
    delete record.writing;
    if (outcome.result) record.result = outcome.result;
    if (outcome.error) record.error = outcome.error;
    if (this.status !== 'idle') this.endedInRun.add(record.id);
  }

  private abortActive(intent: AbortIntent): void {
    if (!this.active || this.active.intent) return;
    this.active.intent = intent;
    this.active.controller.abort();
  }

  private finishRun(): void {
    const ended = this.records.filter((r) => this.endedInRun.has(r.id));
    const written = ended.filter((r) => r.state === 'done' && r.result?.outcome === 'written');
    this.summary = {
      done: written.length,
      skipped: ended.filter((r) => r.result?.outcome === 'skipped-existing').length,
      cancelled: ended.filter((r) => r.state === 'cancelled').length,
      failed: ended.filter((r) => r.state === 'failed' && r.error).map((r) => ({ id: r.id, input: r.input, error: r.error! })),
      outputDirs: [...new Set(ended.filter((r) => r.state === 'done').map((r) => (r.result ? path.dirname(r.result.output) : outputFolder(r.input, this.settingsOf(r)))))],
      finishedAt: this.now().toISOString(),
    };
    this.status = 'idle';
    this.endedInRun.clear();
    this.commit();
    this.options.emit({ event: 'queue/finished', payload: this.summary });
  }

  // ---- views and persistence --------------------------------------------------------------------------------------

  private view(record: QueueRecord): QueueItem {
    const progress = this.progress.get(record.id);
    return {
      id: record.id,
      input: record.input,
      name: record.name,
      inputImage: { handle: imageHandles.input(record.id), ...record.inputSize },
      ...(record.inputSize ? { inputSize: record.inputSize } : {}),
      state: record.state,
      overrides: record.overrides,
      settings: this.settingsOf(record),
      ...(progress ? { progress } : {}),
      ...(record.result ? { result: record.result } : {}),
      ...(record.error ? { error: record.error } : {}),
      addedAt: record.addedAt,
      attempts: record.attempts,
    };
  }

  private overall(): QueueSnapshot['overall'] {
    return this.meter.overall(
      this.records.map((r) => ({
        state: r.state,
        pixels: r.inputSize ? r.inputSize.width * r.inputSize.height : undefined,
        model: this.settingsOf(r).model ?? '',
        fraction: this.progress.get(r.id)?.fraction,
        inRun: this.endedInRun.has(r.id),
      })),
    );
  }

  /** After every change: persist, announce, and let the runner take the next item. */
  private commit(): void {
    void this.persist();
    this.changed();
    this.pump();
  }

  private changed(): void {
    this.revision += 1;
    this.options.emit({ event: 'queue/changed', payload: this.snapshot() });
  }

  private async persist(): Promise<void> {
    if (!this.options.file) return;
    const queue: PersistedQueue = { ...emptyQueue(), status: this.status, items: this.records.map((r) => structuredClone(r)) };
    // A failed save must not stop the queue; the next change saves again.
    await this.options.file.save(queue).catch(() => undefined);
  }
}

function cancelledError(input: string): QueueRecord['error'] {
  return new AppError('CANCELLED', `Cancelled before it finished; no output was written for "${input}".`, { path: input }).toJSON();
}
