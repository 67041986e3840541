// THE app's API contract: every call the renderer may make and every event it may receive, as zod schemas with the
// types inferred from them. Everything else derives from this file: core/api implements it (createApiService), Electron
// main registers one validated IPC handler per call id, the preload exposes `invoke`/`on` for exactly these ids,
// browser mode routes `POST /api/<call id>` and streams the events, and the renderer talks to a `Backend`.
//
// Rules for callers (enforced by the service, which validates every call's args with these schemas):
// - The renderer never reads files by path. Images reach it only as `ImageRef`s: opaque handles for files the user
//   added, outputs the queue wrote and previews the service rendered; the host (Electron's image scheme, the browser
//   server's file route) turns a handle into bytes through the service (`ApiService.resolveImage`) and nothing else.
// - The only paths the renderer passes are ones the user chose: dropped, picked in a dialog or pasted (`queue/add`),
//   and the output folder (`settings/set`). The service reads only image files under them and writes only into the
//   output folder.
// - Failures reject with an `AppErrorData` (core/shared/errors.ts): a stable `code`, a message for people.
//
// Adding a call: add an entry to API_CALLS; everything downstream picks it up from the types. Never change the
// meaning of an existing call: add a new one.
//
// May import: zod, ./errors, ./engine-protocol, ./settings.
import { z } from 'zod';
import { AppErrorDataSchema, OutputFormatSchema, ProbeReportSchema, ProviderNameSchema } from './engine-protocol.js';
import type { AppErrorData } from './errors.js';
import { ItemOverridesSchema, ItemSettingsSchema, SettingsPatchSchema, SettingsSchema, ITEM_SETTING_KEYS } from './settings.js';

export { AppErrorDataSchema };
export type { AppErrorData };

// ---- shared shapes ------------------------------------------------------------------------------------------------

const SizeSchema = z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).strict();
export type Size = z.infer<typeof SizeSchema>;

/**
 * An image the renderer may display. `handle` is opaque (e.g. `item/<id>/input`, `item/<id>/output`,
 * `preview/<id>/model`): the host maps it to a URL, and the service maps it back to a file only if it is one of the
 * allowed kinds.
 */
export const ImageRefSchema = z
  .object({
    handle: z.string().min(1),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
  })
  .strict();
export type ImageRef = z.infer<typeof ImageRefSchema>;

/** Item states. `running` is at most one item at a time. */
export const ItemStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type ItemState = z.infer<typeof ItemStateSchema>;

/**
 * The queue as a whole:
 * `idle`: nothing is being processed (never started, or everything finished; `queue/start` runs what is queued);
 * `running`: items are processed one after another, new items are picked up as they are added;
 * `paused`: no new item starts, and the running item holds at its next tile boundary (its progress says `paused`
 * once it has stopped there); `queue/resume` lets it go on from that tile.
 */
export const QueueStatusSchema = z.enum(['idle', 'running', 'paused']);
export type QueueStatus = z.infer<typeof QueueStatusSchema>;

export const ItemProgressSchema = z
  .object({
    stage: z.enum(['waiting', 'loading-model', 'decoding', 'upscaling', 'encoding']),
    /** Tiles done (0..tiles); tiles is 0 until the engine planned them. */
    tile: z.number().int().min(0),
    tiles: z.number().int().min(0),
    /** Fraction of this item done, 0..1. */
    fraction: z.number().min(0).max(1),
    /** Estimated ms left for this item from measured tile throughput; null until measured. Kept while paused. */
    etaMs: z.number().min(0).nullable(),
    /** True while the item waits between tiles because the queue is paused. */
    paused: z.boolean().optional(),
  })
  .strict();
export type ItemProgress = z.infer<typeof ItemProgressSchema>;

export const ItemResultSchema = z
  .object({
    /** `written`: the output is new; `skipped-existing`: the output existed and the overwrite policy is `skip`. */
    outcome: z.enum(['written', 'skipped-existing']),
    output: z.string(),
    outputImage: ImageRefSchema,
    outputSize: SizeSchema.optional(),
    model: z.string(),
    provider: ProviderNameSchema.optional(),
    tile: z.number().int().positive().optional(),
    tiles: z.number().int().min(0).optional(),
    wallMs: z.number().min(0).optional(),
    finishedAt: z.string(),
  })
  .strict();
export type ItemResult = z.infer<typeof ItemResultSchema>;

export const QueueItemSchema = z
  .object({
    id: z.string().min(1),
    /** Absolute path of the input file (the user added it). */
    input: z.string(),
    /** The input's file name, for display. */
    name: z.string(),
    inputImage: ImageRefSchema,
    /** Display size (EXIF orientation applied); absent when the header could not be read (the run will say why). */
    inputSize: SizeSchema.optional(),
    state: ItemStateSchema,
    /** This item's own settings; every other field comes from the global defaults (see `settings`). */
    overrides: ItemOverridesSchema,
    /** The settings this item runs with now: overrides over the global defaults. */
    settings: ItemSettingsSchema,
    progress: ItemProgressSchema.optional(),
    result: ItemResultSchema.optional(),
    /** Why it failed (state `failed`) or why it was cancelled. */
    error: AppErrorDataSchema.optional(),
    addedAt: z.string(),
    /** How many times it was run to an end (done, failed or cancelled). */
    attempts: z.number().int().min(0),
  })
  .strict();
export type QueueItem = z.infer<typeof QueueItemSchema>;

export const OverallProgressSchema = z
  .object({
    total: z.number().int().min(0),
    queued: z.number().int().min(0),
    running: z.number().int().min(0),
    done: z.number().int().min(0),
    failed: z.number().int().min(0),
    cancelled: z.number().int().min(0),
    /** Work done over the work of the queued, running and finished-in-this-run items, 0..1, weighted by image area. */
    fraction: z.number().min(0).max(1),
    /** Estimated ms until the queue is empty, from tile throughput measured in this session; null until measured. */
    etaMs: z.number().min(0).nullable(),
    /**
     * The current run only (what a "3/5" counter shows): items that ended in it and items still queued or running.
     * The counts above cover the whole list, earlier runs included.
     */
    run: z.object({ finished: z.number().int().min(0), total: z.number().int().min(0) }).strict(),
  })
  .strict();
export type OverallProgress = z.infer<typeof OverallProgressSchema>;

/** What the last run ended with: shown when the queue goes idle. */
export const QueueSummarySchema = z
  .object({
    done: z.number().int().min(0),
    skipped: z.number().int().min(0),
    cancelled: z.number().int().min(0),
    failed: z.array(z.object({ id: z.string(), input: z.string(), error: AppErrorDataSchema }).strict()),
    /** The folders the outputs went to. */
    outputDirs: z.array(z.string()),
    finishedAt: z.string(),
  })
  .strict();
export type QueueSummary = z.infer<typeof QueueSummarySchema>;

export const QueueSnapshotSchema = z
  .object({
    /**
     * Counts the queue's changes since its service started. Replies to calls and `queue/changed` events can arrive
     * out of order, so a renderer keeps the snapshot with the highest revision (and reloads on reconnect, since a
     * restarted service counts from zero again).
     */
    revision: z.number().int().min(0),
    status: QueueStatusSchema,
    items: z.array(QueueItemSchema),
    overall: OverallProgressSchema,
    /** Present once a run has finished (status went back to idle); cleared by the next start. */
    summary: QueueSummarySchema.optional(),
  })
  .strict();
export type QueueSnapshot = z.infer<typeof QueueSnapshotSchema>;

/** A model's measured speed on this machine: kept across restarts (the data folder's model-speeds.json). */
export const ModelSpeedSchema = z.object({ msPerMegapixel: z.number().min(0), provider: ProviderNameSchema }).strict();
export type ModelSpeed = z.infer<typeof ModelSpeedSchema>;

export const ModelInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    /** The manifest's words for people (what it is good for), when it has them. */
    summary: z.string().optional(),
    version: z.string(),
    family: z.enum(['tinysr', 'generic-sr']),
    scale: z.number().int(),
    source: z.enum(['bundled', 'user']),
    /** Display label; carries the untrained warning when it applies. */
    label: z.string(),
    isDefault: z.boolean(),
    tile: z.union([
      z.object({ mode: z.literal('fixed'), size: z.number().int() }).strict(),
      z.object({ mode: z.literal('free'), multipleOf: z.number().int(), min: z.number().int(), max: z.number().int(), default: z.number().int() }).strict(),
    ]),
    overlap: z.number().int(),
    precisions: z.array(z.enum(['fp32', 'fp16'])),
    license: z.object({ id: z.string(), notes: z.string().optional() }).strict(),
    /** Where the weights come from; `random-init` models are test fixtures (`untrained` true), not photo enhancers. */
    weights: z.enum(['trained', 'imported', 'random-init', 'analytic']),
    untrained: z.boolean(),
    params: z.number(),
    /** MACs per tile of `costTileLr` LR px (attention matmuls included). */
    macs: z.number(),
    costTileLr: z.number().int(),
    /** Measured on this machine by the queue (this session's, else the last one kept); null until the model ran. */
    speed: ModelSpeedSchema.nullable(),
  })
  .strict();
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const ModelProblemSchema = z.object({ dir: z.string(), source: z.enum(['bundled', 'user']), error: AppErrorDataSchema }).strict();
export type ModelProblem = z.infer<typeof ModelProblemSchema>;

const RectSchema = z
  .object({ x: z.number().int().min(0), y: z.number().int().min(0), width: z.number().int().positive(), height: z.number().int().positive() })
  .strict();
export type Rect = z.infer<typeof RectSchema>;

const ItemIdsSchema = z.array(z.string().min(1)).min(1);

const AddRejectionSchema = z.object({ path: z.string(), error: AppErrorDataSchema }).strict();

// ---- calls --------------------------------------------------------------------------------------------------------

const call = <A extends z.ZodType, R extends z.ZodType>(args: A, result: R) => ({ args, result });
const none = z.object({}).strict();

export const API_CALLS = {
  /**
   * Adds image files, and the images inside folders, to the queue (state `queued`, no overrides).
   * `paths`: ONLY paths the user chose by drop, open dialog or paste; the service never reads anything else from the
   * renderer. Files are kept when their extension AND their first bytes say they are an image we decode; others come
   * back in `rejected` with the reason. `recursive` defaults to the settings' `recursive`. Files already queued and not
   * finished are not added twice. Adding does not start the queue; it does not stop a running one either.
   */
  'queue/add': call(
    z.object({ paths: z.array(z.string().min(1)).min(1), recursive: z.boolean().optional() }).strict(),
    z.object({ added: z.array(z.string()), rejected: z.array(AddRejectionSchema), snapshot: QueueSnapshotSchema }).strict(),
  ),
  /** The whole queue. */
  'queue/list': call(none, QueueSnapshotSchema),
  /** Starts processing the queued items (also from `paused`); a no-op while running. Clears the last summary. */
  'queue/start': call(none, QueueSnapshotSchema),
  /**
   * Pauses: no further item starts, and the running one stops after the tile it is on (see QueueStatus `paused`);
   * `queue/resume` continues it from there. Cancel still works on a paused item.
   */
  'queue/pause': call(none, QueueSnapshotSchema),
  /** Leaves `paused`: the held item goes on from its tile, then the queued items (same as `queue/start`). */
  'queue/resume': call(none, QueueSnapshotSchema),
  /**
   * Cancels items: queued ones become `cancelled`; the running one is aborted in the engine (no partial file) and
   * becomes `cancelled`; the queue goes on with the next. Without `ids`: every queued and running item.
   */
  'queue/cancel': call(z.object({ ids: ItemIdsSchema.optional() }).strict(), QueueSnapshotSchema),
  /** Puts failed and cancelled items back to `queued` (errors cleared). Without `ids`: every failed item. */
  'queue/retry': call(z.object({ ids: ItemIdsSchema.optional() }).strict(), QueueSnapshotSchema),
  /**
   * Runs finished items again (done, failed or cancelled) with their settings as they are now, e.g. after choosing
   * another model for them: they go back to `queued` and an idle queue starts. The earlier output stays on disk; the
   * overwrite policy names the new one.
   */
  'queue/run-again': call(z.object({ ids: ItemIdsSchema }).strict(), QueueSnapshotSchema),
  /** Removes items from the list (a running one is cancelled first). Never touches files on disk. */
  'queue/remove': call(z.object({ ids: ItemIdsSchema }).strict(), QueueSnapshotSchema),
  /**
   * `finished`: removes the done and cancelled items; failed ones stay until retried or removed one by one, since
   * they still need the user. `all`: every item not running.
   */
  'queue/clear': call(z.object({ which: z.enum(['finished', 'all']) }).strict(), QueueSnapshotSchema),
  /**
   * Changes per-item settings of items that are not running: `set` overrides fields, `reset` drops overrides so the
   * fields follow the global defaults again. `set.outputDir` is a folder the user picked, like the settings' one.
   */
  'queue/update-item': call(
    z.object({ ids: ItemIdsSchema, set: ItemOverridesSchema.optional(), reset: z.array(z.enum(ITEM_SETTING_KEYS)).optional() }).strict(),
    QueueSnapshotSchema,
  ),
  /** Bundled and user models, with the problems of model folders that failed validation. */
  'models/list': call(
    none,
    z.object({ models: z.array(ModelInfoSchema), problems: z.array(ModelProblemSchema), defaultModel: z.string() }).strict(),
  ),
  /** Which execution providers work on this machine (each ok or the reason) and which one `auto` picks. */
  'engine/probe': call(z.object({ model: z.string().min(1).optional() }).strict(), ProbeReportSchema),
  'settings/get': call(none, SettingsSchema),
  /**
   * Changes settings and saves them (atomically). `defaults.outputDir` is the only path: a folder the user picked.
   * Rejects with INVALID_ARGUMENT (naming the field) when the result would not be valid, e.g. a bad name template.
   */
  'settings/set': call(SettingsPatchSchema, SettingsSchema),
  /**
   * Runs the item's model (or `model`) on a region of the item's input, in LR (input) pixels of the displayed,
   * oriented image; the region is clamped to the image and limited to 512 x 512. Returns the model's result and the
   * same region upscaled with bicubic, both at the model's scale, for a before/after or difference view.
   * Nothing is written to the output folder.
   */
  'preview/region': call(
    z.object({ id: z.string().min(1), rect: RectSchema, model: z.string().min(1).optional() }).strict(),
    z
      .object({
        id: z.string(),
        rect: RectSchema,
        model: z.string(),
        scale: z.number().int(),
        upscaled: ImageRefSchema,
        bicubic: ImageRefSchema,
        provider: ProviderNameSchema,
        wallMs: z.number().min(0),
      })
      .strict(),
  ),
  /** Problems found at startup that the user should hear about: a damaged settings or queue file that was set aside. */
  'app/startup-problems': call(none, z.object({ problems: z.array(AppErrorDataSchema) }).strict()),
  /** Output formats the engine writes (for the settings panel). */
  'files/output-formats': call(none, z.object({ formats: z.array(OutputFormatSchema) }).strict()),
} as const;

/** The shape every call entry has. */
export type ApiCallSpec = { args: z.ZodType; result: z.ZodType };
export type ApiCalls = typeof API_CALLS;
export type ApiCallId = keyof ApiCalls;
/** What a caller passes (defaults not yet applied). */
export type ApiArgs<K extends ApiCallId> = z.input<ApiCalls[K]['args']>;
export type ApiResult<K extends ApiCallId> = z.output<ApiCalls[K]['result']>;
export const API_CALL_IDS = Object.keys(API_CALLS) as ApiCallId[];
export function isApiCallId(value: unknown): value is ApiCallId {
  return typeof value === 'string' && Object.hasOwn(API_CALLS, value);
}

// ---- events -------------------------------------------------------------------------------------------------------

export const API_EVENTS = {
  /** The full queue after any change of state, items, settings or summary (not on every tile: see item/progress). */
  'queue/changed': QueueSnapshotSchema,
  /** After every tile of the running item. */
  'item/progress': z
    .object({ id: z.string(), progress: ItemProgressSchema, overall: OverallProgressSchema })
    .strict(),
  /** Something the user should see while an item runs: a provider fallback or an out-of-memory recovery step. */
  'engine/notice': z
    .object({
      id: z.string().optional(),
      code: z.enum(['provider-fallback', 'oom-smaller-batch', 'oom-smaller-tile', 'oom-next-provider']),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  /**
   * The engine process: `crashed` (the running item failed with ENGINE_CRASHED and `reason`; a fresh engine starts
   * for the next item), `restarted` (a fresh engine took the next request).
   */
  'engine/status': z
    .object({ state: z.enum(['crashed', 'restarted']), reason: z.string().optional(), id: z.string().optional(), at: z.string() })
    .strict(),
  /** The queue went idle after a run; the same summary is in the snapshot. */
  'queue/finished': QueueSummarySchema,
} as const;

export type ApiEvents = typeof API_EVENTS;
export type ApiEventId = keyof ApiEvents;
export type ApiEventPayload<E extends ApiEventId> = z.infer<ApiEvents[E]>;
export const API_EVENT_IDS = Object.keys(API_EVENTS) as ApiEventId[];
export function isApiEventId(value: unknown): value is ApiEventId {
  return typeof value === 'string' && Object.hasOwn(API_EVENTS, value);
}

// ---- the seam every side implements ---------------------------------------------------------------------------

/**
 * What the renderer talks to: IPC under Electron (preload), HTTP + Server-Sent Events in browser mode, a fake in tests.
 * `invoke` rejects with an Error whose `data` is AppErrorData (see `BackendError`); `on` returns an unsubscribe.
 */
export interface Backend {
  invoke<K extends ApiCallId>(call: K, args: ApiArgs<K>): Promise<ApiResult<K>>;
  on<E extends ApiEventId>(event: E, listener: (payload: ApiEventPayload<E>) => void): () => void;
}

/** The error a Backend rejects with: the service's AppErrorData, rebuilt on the renderer's side. */
export class BackendError extends Error {
  readonly code: AppErrorData['code'];
  constructor(readonly data: AppErrorData) {
    super(data.message);
    this.name = 'BackendError';
    this.code = data.code;
  }
}

/** An event as it crosses a transport (SSE `data:`, IPC message). */
export type ApiEventMessage = { [E in ApiEventId]: { event: E; payload: ApiEventPayload<E> } }[ApiEventId];
