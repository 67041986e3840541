// The renderer's one door to the outside world. `connectBackend()` picks the host: Electron's preload bridge when the
// page runs in the app window, the browser-mode server otherwise. Everything else in the renderer takes a
// RendererBackend and never looks at `window.tinysr`, `fetch` or `EventSource` itself.
//
// May import: ./http-backend, ./ipc-backend, ./types, ./errors.
import { deriveImageKey, HttpBackend, readPageToken } from './http-backend.js';
import { IpcBackend } from './ipc-backend.js';
import type { RendererBackend } from './types.js';

export type { HostMode, HostPickers, RendererBackend } from './types.js';
export { errorData } from './errors.js';

/** The host's backend; in browser mode with this tab's token (from the URL once, then sessionStorage). */
export async function connectBackend(): Promise<RendererBackend> {
  if (window.tinysr !== undefined) return new IpcBackend(window.tinysr);
  const token = readPageToken(window.location, window.sessionStorage, window.history);
  return new HttpBackend('', { token, imageKey: await deriveImageKey(token) });
}
