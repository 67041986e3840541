// The installed models (bundled and user), the folders that failed validation, and the default model, from
// `models/list`. Also answers "which model does an item with model `null` use" for the pickers.
//
// May import: electron/core/shared (types), lib/backend.
import type { AppErrorData, ModelInfo, ModelProblem } from '../../../../electron/core/shared/api.js';
import { errorData } from '../backend/errors.js';
import type { AddedModel, RendererBackend } from '../backend/types.js';

export class ModelsStore {
  models = $state<ModelInfo[]>([]);
  problems = $state<ModelProblem[]>([]);
  defaultModel = $state<string | undefined>(undefined);
  loading = $state(false);
  error = $state<AppErrorData | undefined>(undefined);
  /** Adding the user's own model: under way, done (its name), or why it was refused. */
  adding = $state<{ state: 'working' } | { state: 'added'; name: string } | { state: 'failed'; error: AppErrorData } | undefined>(undefined);

  readonly bundled = $derived(this.models.filter((model) => model.source === 'bundled'));
  readonly user = $derived(this.models.filter((model) => model.source === 'user'));

  readonly #backend: RendererBackend;

  constructor(backend: RendererBackend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      this.#apply(await this.#backend.invoke('models/list', {}));
      this.error = undefined;
    } catch (error) {
      this.error = errorData(error);
    } finally {
      this.loading = false;
    }
  }

  /**
   * Adds the user's own ONNX model: the file they picked in the page (browser mode, uploaded) or, without one, the
   * host's open dialog (Electron). The service runs and checks it; the listing then includes it.
   */
  async add(file?: File): Promise<void> {
    const { transfers, pickers } = this.#backend;
    this.adding = { state: 'working' };
    try {
      const answer: AddedModel | null = file !== undefined && transfers ? await transfers.addModel(file) : ((await pickers?.addModel()) ?? null);
      if (answer === null) {
        this.adding = undefined;
        return;
      }
      this.#apply(answer);
      this.adding = { state: 'added', name: answer.models.find((model) => model.id === answer.added)?.name ?? answer.added };
    } catch (error) {
      this.adding = { state: 'failed', error: errorData(error) };
    }
  }

  #apply(listing: { models: ModelInfo[]; problems: ModelProblem[]; defaultModel: string }): void {
    this.models = listing.models;
    this.problems = listing.problems;
    this.defaultModel = listing.defaultModel;
  }

  /** The model a setting of `id` (null: the default) resolves to, if it is installed. */
  resolve(id: string | null): ModelInfo | undefined {
    const wanted = id ?? this.defaultModel;
    return this.models.find((model) => model.id === wanted);
  }
}
