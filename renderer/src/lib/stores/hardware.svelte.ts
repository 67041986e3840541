// The hardware panel's state: which execution providers work on this machine, each with its reason when it does
// not, and the one `auto` picks (`engine/probe`). Probing creates real sessions, so it runs when asked, not on load.
//
// May import: electron/core/shared (types), lib/backend.
import type { AppErrorData } from '../../../../electron/core/shared/api.js';
import type { ProbeReport } from '../../../../electron/core/shared/engine-protocol.js';
import { errorData } from '../backend/errors.js';
import type { RendererBackend } from '../backend/types.js';

export class HardwareStore {
  report = $state<ProbeReport | undefined>(undefined);
  probing = $state(false);
  error = $state<AppErrorData | undefined>(undefined);

  readonly working = $derived(this.report?.providers.filter((provider) => provider.ok) ?? []);
  readonly #backend: RendererBackend;

  constructor(backend: RendererBackend) {
    this.#backend = backend;
  }

  async probe(model?: string): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      this.report = await this.#backend.invoke('engine/probe', model === undefined ? {} : { model });
      this.error = undefined;
    } catch (error) {
      this.error = errorData(error);
    } finally {
      this.probing = false;
    }
  }
}
