// The renderer's view of the preload: `window.tinysr`. The renderer's tsconfig includes this file (it never imports
// electron/preload), so its types come from the same contract main registers.
import type { TinySrBridge } from '../common/ipc-bridge.js';

declare global {
  interface Window {
    /** Present only inside the Electron app; browser mode talks HTTP instead. */
    readonly tinysr?: TinySrBridge;
  }
}

export {};
