// Electron's backend: the preload's `window.tinysr` bridge (contextIsolation; the renderer never sees ipcRenderer).
// The bridge answers every call with a reply envelope, `{ ok: true, value }` or `{ ok: false, error: AppErrorData }`,
// because Electron flattens errors thrown across IPC into strings; this class turns failures back into BackendErrors.
// The bridge's type comes from electron/preload/window.d.ts (derived from the contract there).
//
// May import: electron/core/shared, ./types.
import {
  AppErrorDataSchema,
  BackendError,
  type ApiArgs,
  type ApiCallId,
  type ApiEventId,
  type ApiEventPayload,
  type ApiResult,
  type ImageRef,
} from '../../../../electron/core/shared/api.js';
import type { HostPickers, HostShell, RendererBackend } from './types.js';

export type TinySrBridge = NonNullable<Window['tinysr']>;
type Reply<T> = { ok: true; value: T } | { ok: false; error: unknown };

function unwrap<T>(what: string, reply: Reply<T>): T {
  if (reply.ok) return reply.value;
  const parsed = AppErrorDataSchema.safeParse(reply.error);
  throw new BackendError(parsed.success ? parsed.data : { code: 'INTERNAL', message: `${what} failed without error details.` });
}

export class IpcBackend implements RendererBackend {
  readonly mode = 'electron' as const;
  readonly pickers: HostPickers;
  readonly shell: HostShell;
  readonly #bridge: TinySrBridge;

  constructor(bridge: TinySrBridge) {
    this.#bridge = bridge;
    this.pickers = {
      addImages: async (options) => unwrap('The open dialog', await bridge.openImages(options)),
      chooseOutputFolder: async () => unwrap('The folder dialog', await bridge.chooseOutputFolder()),
      addModel: async () => unwrap('Adding a model', await bridge.addModel()),
    };
    this.shell = {
      showInFolder: async (handle) => void unwrap('Show in folder', await bridge.showResult({ handle, reveal: 'file' })),
      openFolder: async (handle) => void unwrap('Open the output folder', await bridge.showResult({ handle, reveal: 'folder' })),
    };
  }

  async invoke<K extends ApiCallId>(call: K, args: ApiArgs<K>): Promise<ApiResult<K>> {
    return unwrap(`"${call}"`, await this.#bridge.invoke(call, args));
  }

  on<E extends ApiEventId>(event: E, listener: (payload: ApiEventPayload<E>) => void): () => void {
    return this.#bridge.on(event, listener);
  }

  imageUrl(image: ImageRef): string {
    return this.#bridge.imageUrl(image.handle);
  }

  pathsOfFiles(files: readonly File[]): string[] {
    return files.map((file) => this.#bridge.getPathForFile(file)).filter((path) => path !== '');
  }
}
