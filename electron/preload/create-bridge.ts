// Builds `window.tinysr` from an ipcRenderer-like object: calls only for the contract's call ids, subscriptions only
// for its event ids, each returning its own unsubscribe, and the IPC event object (which carries `sender`, i.e.
// ipcRenderer itself) never handed to the renderer. Electron-free so it is unit-tested with a fake ipcRenderer;
// preload.ts passes the real one.
//
// May import: core/shared (the contract's id guards), ../common/ipc-bridge.
import { isApiCallId, isApiEventId, type ApiArgs, type ApiCallId, type ApiEventPayload, type ApiResult } from '../core/shared/api.js';
import { callChannel, eventChannel, hostChannel, imageUrl, type IpcReply, type TinySrBridge } from '../common/ipc-bridge.js';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createBridge(ipc: IpcRendererLike, getPathForFile: (file: File) => string, platform: string): TinySrBridge {
  return {
    invoke<K extends ApiCallId>(call: K, args: ApiArgs<K>): Promise<IpcReply<ApiResult<K>>> {
      if (!isApiCallId(call)) {
        const reply: IpcReply<never> = {
          ok: false,
          error: { code: 'INVALID_ARGUMENT', message: `"${String(call)}" is not an API call; use one of the ids in core/shared/api.ts.` },
        };
        return Promise.resolve(reply);
      }
      return ipc.invoke(callChannel(call), args) as Promise<IpcReply<ApiResult<K>>>;
    },
    on(event, listener) {
      if (!isApiEventId(event)) throw new TypeError(`"${String(event)}" is not an API event; use one of the ids in core/shared/api.ts.`);
      const channel = eventChannel(event);
      const forward = (_event: unknown, payload: unknown): void => listener(payload as ApiEventPayload<typeof event>);
      ipc.on(channel, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(channel, forward);
      };
    },
    openImages: (options) => ipc.invoke(hostChannel('open-images'), options) as ReturnType<TinySrBridge['openImages']>,
    chooseOutputFolder: () => ipc.invoke(hostChannel('choose-output-folder'), {}) as ReturnType<TinySrBridge['chooseOutputFolder']>,
    showResult: (options) => ipc.invoke(hostChannel('show-result'), options) as ReturnType<TinySrBridge['showResult']>,
    addModel: () => ipc.invoke(hostChannel('add-model'), {}) as ReturnType<TinySrBridge['addModel']>,
    getPathForFile,
    imageUrl,
    platform: platform === 'darwin' || platform === 'win32' || platform === 'linux' ? platform : 'other',
  };
}
