// One onnxruntime session per (model, provider, precision), created on first use and kept for the next tile, image
// and job. A failed creation is not cached, so a later job can try again.
//
// May import: onnxruntime-node (types), ./providers, core/models (types).
import type ort from 'onnxruntime-node';
import type { InstalledModel, Precision } from '../models/index.js';
import { AppError } from '../shared/errors.js';
import type { ProviderName } from '../shared/engine-protocol.js';
import { createSession } from './providers.js';

export class SessionCache {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();

  constructor(private readonly threads: number) {}

  get(model: InstalledModel, provider: ProviderName, precision: Precision): Promise<ort.InferenceSession> {
    const key = `${model.id}\u0000${model.dir}\u0000${provider}\u0000${precision}`;
    let session = this.sessions.get(key);
    if (!session) {
      const file = precision === 'fp16' ? model.files.fp16 : model.files.fp32;
      if (!file) {
        return Promise.reject(
          new AppError('INVALID_ARGUMENT', `Model "${model.id}" has no fp16 file; use precision fp32.`, { details: { model: model.id, precision } }),
        );
      }
      const dtype = model.manifest.files[precision]?.dtype;
      if (dtype !== 'float32') {
        // The engine feeds and reads float32 tensors; fp16 files must keep float32 inputs and outputs (cast inside).
        return Promise.reject(
          new AppError('INVALID_ARGUMENT', `The ${precision} file of model "${model.id}" takes ${dtype} tensors; the engine needs float32 inputs and outputs (export it with casts at the graph edges), or use fp32.`, {
            details: { model: model.id, precision, dtype },
          }),
        );
      }
      session = createSession(file, { provider, threads: this.threads });
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    return session;
  }

  /** Drops every session of `provider` (after it ran out of memory, so its arena is returned). */
  async evictProvider(provider: ProviderName): Promise<void> {
    for (const [key, session] of [...this.sessions]) {
      if (key.endsWith(`\u0000${provider}\u0000fp32`) || key.endsWith(`\u0000${provider}\u0000fp16`)) {
        this.sessions.delete(key);
        await session.then((s) => s.release()).catch(() => undefined);
      }
    }
  }

  async releaseAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.then((x) => x.release()).catch(() => undefined)));
  }
}
