// The global settings (the defaults every queue item starts from) as the service stores them, and changes to them.
// A change is sent at once; the service validates it (e.g. the name template) and answers with the saved settings,
// or with an INVALID_ARGUMENT that names the field, which the panel shows beside it.
//
// May import: electron/core/shared, lib/backend.
import type { AppErrorData } from '../../../../electron/core/shared/api.js';
import type { OutputFormat } from '../../../../electron/core/shared/engine-protocol.js';
import { DEFAULT_SETTINGS, type Settings, type SettingsPatch } from '../../../../electron/core/shared/settings.js';
import { errorData } from '../backend/errors.js';
import type { RendererBackend } from '../backend/types.js';

export class SettingsStore {
  settings = $state<Settings>(DEFAULT_SETTINGS);
  formats = $state<OutputFormat[]>(['png', 'jpeg', 'webp', 'tiff', 'avif']);
  loaded = $state(false);
  saving = $state(false);
  error = $state<AppErrorData | undefined>(undefined);

  readonly #backend: RendererBackend;

  constructor(backend: RendererBackend) {
    this.#backend = backend;
  }

  async load(): Promise<void> {
    try {
      const [settings, formats] = await Promise.all([this.#backend.invoke('settings/get', {}), this.#backend.invoke('files/output-formats', {})]);
      this.settings = settings;
      this.formats = formats.formats;
      this.loaded = true;
      this.error = undefined;
    } catch (error) {
      this.error = errorData(error);
    }
  }

  /** The host's folder dialog, where there is one: the host saves the pick as the output folder. */
  async chooseOutputFolder(): Promise<void> {
    const pickers = this.#backend.pickers;
    if (pickers === undefined) return;
    try {
      const saved = await pickers.chooseOutputFolder();
      if (saved !== null) this.settings = saved;
      this.error = undefined;
    } catch (error) {
      this.error = errorData(error);
    }
  }

  /** Saves `patch`; returns false (and keeps the saved settings shown) when the service refused it. */
  async update(patch: SettingsPatch): Promise<boolean> {
    this.saving = true;
    try {
      this.settings = await this.#backend.invoke('settings/set', patch);
      this.error = undefined;
      return true;
    } catch (error) {
      this.error = errorData(error);
      return false;
    } finally {
      this.saving = false;
    }
  }
}
