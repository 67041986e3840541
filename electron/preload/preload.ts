// The preload of the app window (sandboxed, context-isolated): exposes `window.tinysr` and nothing else. Never
// ipcRenderer itself. Bundled into one CommonJS file (dist-electron/preload/preload.cjs) by ./vite.config.ts, since a
// sandboxed preload can require only `electron` and a few built-ins.
//
// May import: electron (contextBridge, ipcRenderer, webUtils), ./create-bridge.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge } from './create-bridge.js';

contextBridge.exposeInMainWorld('tinysr', createBridge(ipcRenderer, (file) => webUtils.getPathForFile(file), process.platform));
