// Whether the window can reach the app (browser mode: the `tinysr serve` process). A lost server is said at once
// (instead of a queue that keeps reading "Running, 1:11 left"), the backend reconnects by itself, and once it is back
// every store that mirrors the service reloads, since events sent meanwhile are lost.
//
// May import: lib/backend.
import type { RendererBackend } from '../backend/types.js';

export class ConnectionStore {
  /** False from a lost connection until it is back. */
  connected = $state(true);

  /** Follows the backend's connection; `onRestored` reloads the mirrored state. Returns the unsubscribe. */
  connect(backend: RendererBackend, onRestored: () => void): () => void {
    return (
      backend.onConnectionChange?.((change) => {
        this.connected = change === 'restored';
        if (change === 'restored') onRestored();
      }) ?? (() => {})
    );
  }
}
