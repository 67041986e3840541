// A pause that takes effect between tiles: the queue holds one per running job and the engine worker mirrors it
// (the engine client relays each change as a `hold` message). The tile loop waits at the next tile boundary while it
// is paused, so the running image keeps its finished tiles and its ETA, and goes on where it stopped on resume.
//
// May import: ./errors.
import { AppError } from './errors.js';

export class PauseController {
  #paused = false;
  readonly #listeners = new Set<(paused: boolean) => void>();

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#set(true);
  }

  resume(): void {
    this.#set(false);
  }

  /** Hears every change; returns the unsubscribe. */
  onChange(listener: (paused: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once not paused; rejects with CANCELLED when `signal` aborts first (a paused job can be cancelled). */
  whilePaused(signal: AbortSignal | undefined): Promise<void> {
    if (!this.#paused) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(new AppError('CANCELLED', 'The job was cancelled while paused; nothing was written.'));
      };
      const unsubscribe = this.onChange((paused) => {
        if (paused) return;
        done();
        resolve();
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #set(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    for (const listener of [...this.#listeners]) listener(paused);
  }
}
