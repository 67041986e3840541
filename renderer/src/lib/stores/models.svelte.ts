// The installed models (bundled and user), the folders that failed validation, and the default model, from
// `models/list`. Also answers "which model does an item with model `null` use" for the pickers.
//
// May import: electron/core/shared (types), lib/backend.
import type { AppErrorData, ModelInfo, ModelProblem } from '../../../../electron/core/shared/api.js';
import { errorData } from '../backend/errors.js';
import type { RendererBackend } from '../backend/types.js';

export class ModelsStore {
  models = $state<ModelInfo[]>([]);
  problems = $state<ModelProblem[]>([]);
  defaultModel = $state<string | undefined>(undefined);
  loading = $state(false);
  error = $state<AppErrorData | undefined>(undefined);

  readonly bundled = $derived(this.models.filter((model) => model.source === 'bundled'));
  readonly user = $derived(this.models.filter((model) => model.source === 'user'));

  readonly #backend: RendererBackend;

  constructor(backend: RendererBackend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      const listing = await this.#backend.invoke('models/list', {});
      this.models = listing.models;
      this.problems = listing.problems;
      this.defaultModel = listing.defaultModel;
      this.error = undefined;
    } catch (error) {
      this.error = errorData(error);
    } finally {
      this.loading = false;
    }
  }

  /** The model a setting of `id` (null: the default) resolves to, if it is installed. */
  resolve(id: string | null): ModelInfo | undefined {
    const wanted = id ?? this.defaultModel;
    return this.models.find((model) => model.id === wanted);
  }
}
