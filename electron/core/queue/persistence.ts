// The queue on disk: `queue.json` in the data folder, written atomically after every change of an item's state (never
// per tile), validated on load. An item that was running when the app stopped or died comes back as queued; a queue
// that was running comes back running, so it resumes where it was. A damaged file is set aside (an empty queue, and
// the problem reported), never half-trusted.
//
// May import: node:fs, node:path, zod, core/shared, core/settings (JsonDocument).
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ItemResultSchema, QueueStatusSchema } from '../shared/api.js';
import { AppErrorDataSchema } from '../shared/engine-protocol.js';
import { ItemOverridesSchema } from '../shared/settings.js';
import { JsonDocument, type LoadedDocument } from '../settings/index.js';

export const QUEUE_FILE = 'queue.json';
export const QUEUE_FILE_VERSION = 1;

const InputFormatSchema = z.enum(['jpeg', 'png', 'webp', 'tiff', 'avif', 'gif']);

/** One item as the queue keeps it: the contract's QueueItem without what is derived (settings, image refs, progress). */
export const QueueRecordSchema = z
  .object({
    id: z.string().min(1),
    input: z.string().min(1),
    name: z.string(),
    inputSize: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).strict().optional(),
    inputFormat: InputFormatSchema.optional(),
    state: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
    overrides: ItemOverridesSchema,
    result: ItemResultSchema.optional(),
    error: AppErrorDataSchema.optional(),
    /**
     * Saved before the engine starts writing: the output path and the file that was there (null: none). An item found
     * with it after a restart either wrote that output (it is then done, exactly once) or runs again.
     */
    writing: z
      .object({
        output: z.string().min(1),
        model: z.string().min(1),
        before: z.object({ dev: z.number(), ino: z.number(), size: z.number(), mtimeMs: z.number() }).strict().nullable(),
      })
      .strict()
      .optional(),
    addedAt: z.string(),
    attempts: z.number().int().min(0),
  })
  .strict();
export type QueueRecord = z.infer<typeof QueueRecordSchema>;

export const PersistedQueueSchema = z
  .object({
    version: z.literal(QUEUE_FILE_VERSION),
    status: QueueStatusSchema,
    items: z.array(QueueRecordSchema),
  })
  .strict()
  .refine((q) => new Set(q.items.map((i) => i.id)).size === q.items.length, { message: 'item ids must be unique' });
export type PersistedQueue = z.infer<typeof PersistedQueueSchema>;

export function emptyQueue(): PersistedQueue {
  return { version: QUEUE_FILE_VERSION, status: 'idle', items: [] };
}

export class QueueFile {
  private readonly document: JsonDocument<typeof PersistedQueueSchema>;

  constructor(dataDir: string) {
    this.document = new JsonDocument(path.join(dataDir, QUEUE_FILE), PersistedQueueSchema, 'queue');
  }

  get file(): string {
    return this.document.file;
  }

  /** The saved queue with interrupted items back to queued. A damaged file is renamed to `queue.json.damaged`. */
  async load(): Promise<LoadedDocument<PersistedQueue>> {
    const loaded = await this.document.load(emptyQueue);
    if (loaded.problem) await fs.rename(this.file, `${this.file}.damaged`).catch(() => undefined);
    const items = loaded.value.items.map((item) => (item.state === 'running' ? { ...item, state: 'queued' as const } : item));
    return { ...loaded, value: { ...loaded.value, items } };
  }

  save(queue: PersistedQueue): Promise<void> {
    return this.document.save(queue);
  }

  flush(): Promise<void> {
    return this.document.flush();
  }
}
