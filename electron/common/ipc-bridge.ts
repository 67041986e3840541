// The bridge between the renderer and main, as both sides see it: the type of `window.tinysr` (derived from the API
// contract in core/shared/api.ts, never written twice), the IPC channel names for calls and events, the reply
// envelope, and the image URL format. Pure: main imports it to register handlers and serve images; the preload
// bundles it; the renderer sees only its types (through electron/preload/window.d.ts).
//
// Common layer: pure TypeScript every environment may import.
// May import: core/shared (types).
import type { ApiArgs, ApiCallId, ApiEventId, ApiEventPayload, ApiResult, AppErrorData } from '../core/shared/api.js';

/**
 * What every call resolves to. Errors travel as data, not as a rejected promise: Electron copies only the message of
 * an Error across IPC and the context bridge, and the renderer needs the stable code. The renderer's backend turns
 * `{ ok: false }` into a BackendError.
 */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };

/** `window.tinysr`: the only thing the preload exposes. */
export interface TinySrBridge {
  /** Calls an API entry; `call` must be one of the contract's ids (anything else resolves to INVALID_ARGUMENT). */
  invoke<K extends ApiCallId>(call: K, args: ApiArgs<K>): Promise<IpcReply<ApiResult<K>>>;
  /** Subscribes to an API event; returns the function that unsubscribes. */
  on<E extends ApiEventId>(event: E, listener: (payload: ApiEventPayload<E>) => void): () => void;
  /** The absolute path of a dropped or picked File (Electron's webUtils), to pass to `queue/add`. */
  getPathForFile(file: File): string;
  /** The URL that shows an ImageRef's handle in an <img> (the read-only image scheme). */
  imageUrl(handle: string): string;
  /**
   * Electron only: the native open dialog (files, or folders with `folders: true`). Main adds what the user picked
   * to the queue itself, so the paths never pass through the renderer; null when the dialog was cancelled.
   */
  openImages(options: { folders: boolean }): Promise<IpcReply<ApiResult<'queue/add'> | null>>;
  /** Electron only: the native folder dialog; main saves the pick as the output folder. Null when cancelled. */
  chooseOutputFolder(): Promise<IpcReply<ApiResult<'settings/set'> | null>>;
  /**
   * Electron only: the desktop's file manager for a done item's result (`item/<id>/output`; main resolves the
   * handle through the service, so no path comes from the page): `file` selects the result in its folder, `folder`
   * opens the folder it is in.
   */
  showResult(options: { handle: string; reveal: 'file' | 'folder' }): Promise<IpcReply<null>>;
  /** Electron only: the open dialog for an .onnx file, which main adds as the user's model. Null when cancelled. */
  addModel(): Promise<IpcReply<({ added: string } & ApiResult<'models/list'>) | null>>;
  /** The platform, so the renderer can show the right shortcut names (Cmd vs Ctrl). */
  platform: 'darwin' | 'win32' | 'linux' | 'other';
}

const CHANNEL_PREFIX = 'tinysr:';

/** The ipcMain.handle channel of an API call. Namespaced so no other IPC traffic can collide with the contract. */
export function callChannel(call: ApiCallId): string {
  return `${CHANNEL_PREFIX}call/${call}`;
}

/** Calls that only the Electron host offers (native dialogs, the file manager); they are not part of the API contract. */
export const HOST_CALLS = ['open-images', 'choose-output-folder', 'show-result', 'add-model'] as const;
export type HostCall = (typeof HOST_CALLS)[number];

export function hostChannel(call: HostCall): string {
  return `${CHANNEL_PREFIX}host/${call}`;
}

/** The webContents.send channel of an API event. */
export function eventChannel(event: ApiEventId): string {
  return `${CHANNEL_PREFIX}event/${event}`;
}

/** Read-only scheme serving images the API service resolves from ImageRef handles (never arbitrary paths). */
export const IMAGE_SCHEME = 'tinysr-image';
const IMAGE_HOST = 'image';

export function imageUrl(handle: string): string {
  return `${IMAGE_SCHEME}://${IMAGE_HOST}/?handle=${encodeURIComponent(handle)}`;
}

/** The handle an image URL asks for, or undefined when the URL is not one imageUrl() makes. */
export function handleFromImageUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${IMAGE_SCHEME}:` || parsed.host !== IMAGE_HOST || parsed.pathname !== '/') return undefined;
  const handle = parsed.searchParams.get('handle');
  return handle === null || handle === '' ? undefined : handle;
}
