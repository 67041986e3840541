// The preload's view of the bridge: it lives in the common layer (electron/common/ipc-bridge.ts), where main imports
// it too; this file re-exports it for the preload's own modules.
//
// May import: ../common/ipc-bridge.
export * from '../common/ipc-bridge.js';
