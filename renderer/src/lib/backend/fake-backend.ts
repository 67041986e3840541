// A scriptable in-memory backend for the renderer's state tests: each call answers from a handler the test installs
// (an unhandled call rejects with INVALID_ARGUMENT naming it), every call is recorded, and `emit` delivers events
// exactly as a transport would. No timers, no I/O.
//
// May import: electron/core/shared, ./types.
import {
  BackendError,
  type AppErrorData,
  type ApiArgs,
  type ApiCallId,
  type ApiEventId,
  type ApiEventPayload,
  type ApiResult,
  type ImageRef,
} from '../../../../electron/core/shared/api.js';
import type { ConnectionChange, HostPickers, RendererBackend } from './types.js';

type Handler<K extends ApiCallId> = (args: ApiArgs<K>) => ApiResult<K> | Promise<ApiResult<K>>;
type AnyListener = (payload: unknown) => void;

export interface RecordedCall {
  call: ApiCallId;
  args: unknown;
}

export class FakeBackend implements RendererBackend {
  readonly mode = 'test' as const;
  readonly calls: RecordedCall[] = [];
  /** Native dialogs, when a test installs them (undefined: a host without dialogs, like a plain browser). */
  pickers: HostPickers | undefined = undefined;
  readonly #handlers = new Map<ApiCallId, (args: unknown) => unknown>();
  readonly #listeners = new Map<ApiEventId, Set<AnyListener>>();
  readonly #connectionListeners = new Set<(change: ConnectionChange) => void>();

  /** Answers `call` with `handler` from now on. */
  handle<K extends ApiCallId>(call: K, handler: Handler<K>): this {
    this.#handlers.set(call, handler as (args: unknown) => unknown);
    return this;
  }

  /** Makes `call` reject with `error` from now on. */
  fail(call: ApiCallId, error: AppErrorData): this {
    this.#handlers.set(call, () => {
      throw new BackendError(error);
    });
    return this;
  }

  async invoke<K extends ApiCallId>(call: K, args: ApiArgs<K>): Promise<ApiResult<K>> {
    this.calls.push({ call, args });
    const handler = this.#handlers.get(call);
    if (handler === undefined) {
      throw new BackendError({ code: 'INVALID_ARGUMENT', message: `FakeBackend has no handler for "${call}": install one with handle("${call}", ...).` });
    }
    return (await handler(args)) as ApiResult<K>;
  }

  on<E extends ApiEventId>(event: E, listener: (payload: ApiEventPayload<E>) => void): () => void {
    const listeners = this.#listeners.get(event) ?? new Set<AnyListener>();
    listeners.add(listener as AnyListener);
    this.#listeners.set(event, listeners);
    return () => listeners.delete(listener as AnyListener);
  }

  emit<E extends ApiEventId>(event: E, payload: ApiEventPayload<E>): void {
    for (const listener of this.#listeners.get(event) ?? []) listener(payload);
  }

  onConnectionChange(listener: (change: ConnectionChange) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  /** Acts as a transport whose server went away. */
  lose(): void {
    for (const listener of [...this.#connectionListeners]) listener('lost');
  }

  /** Acts as a transport that dropped and came back: events may have been missed. */
  reconnect(): void {
    for (const listener of [...this.#connectionListeners]) listener('restored');
  }

  listenerCount(event: ApiEventId): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  callsOf(call: ApiCallId): unknown[] {
    return this.calls.filter((c) => c.call === call).map((c) => c.args);
  }

  imageUrl(image: ImageRef): string {
    return `fake://${image.handle}`;
  }

  pathsOfFiles(files: readonly File[]): string[] {
    return files.map((file) => file.name);
  }
}
