// Region preview: runs the model on a small part of one item's input (`preview/region`) so the user can judge the
// result in seconds before committing the full render. Holds the latest preview per item; a newer request replaces
// an older one still in flight (its answer is dropped, so a slow preview never overwrites a newer one).
//
// May import: electron/core/shared (types), lib/backend, lib/view.
import type { ApiResult, AppErrorData } from '../../../../electron/core/shared/api.js';
import { errorData } from '../backend/errors.js';
import type { RendererBackend } from '../backend/types.js';
import type { Rect } from '../view/region.js';

export type RegionPreview = ApiResult<'preview/region'>;

export class PreviewStore {
  /** The latest preview and the queue item it shows (the answer's own `id` names the preview, not the item). */
  latest = $state<{ itemId: string; preview: RegionPreview } | undefined>(undefined);
  running = $state(false);
  error = $state<AppErrorData | undefined>(undefined);
  /** The item the running request or the error belongs to. */
  itemId = $state<string | undefined>(undefined);

  readonly #backend: RendererBackend;
  #generation = 0;

  constructor(backend: RendererBackend) {
    this.#backend = backend;
  }

  /** The preview for `itemId`, if the latest one is for it. */
  for(itemId: string | undefined): RegionPreview | undefined {
    return itemId !== undefined && this.latest?.itemId === itemId ? this.latest.preview : undefined;
  }

  async request(itemId: string, rect: Rect, model?: string): Promise<void> {
    const generation = ++this.#generation;
    this.running = true;
    this.itemId = itemId;
    this.error = undefined;
    try {
      const preview = await this.#backend.invoke('preview/region', model === undefined ? { id: itemId, rect } : { id: itemId, rect, model });
      if (generation === this.#generation) this.latest = { itemId, preview };
    } catch (error) {
      if (generation === this.#generation) this.error = errorData(error);
    } finally {
      if (generation === this.#generation) this.running = false;
    }
  }

  clear(): void {
    this.#generation++;
    this.latest = undefined;
    this.error = undefined;
    this.running = false;
    this.itemId = undefined;
  }
}
