// The renderer's one door to the outside world. `connectBackend()` picks the host: Electron's preload bridge when the
// page runs in the app window, the browser-mode server otherwise. Everything else in the renderer takes a
// RendererBackend and never looks at `window.tinysr`, `fetch` or `EventSource` itself.
//
// May import: ./http-backend, ./ipc-backend, ./types, ./errors.
import { HttpBackend } from './http-backend.js';
import { IpcBackend } from './ipc-backend.js';
import type { RendererBackend } from './types.js';

export type { HostMode, HostPickers, RendererBackend } from './types.js';
export { errorData } from './errors.js';

export function connectBackend(): RendererBackend {
  return window.tinysr === undefined ? new HttpBackend() : new IpcBackend(window.tinysr);
}
