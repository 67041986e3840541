// Browser mode's backend: `tinysr serve` on 127.0.0.1. Calls are `POST /api/<call id>` with the args as JSON; the
// answer is the result as JSON, or a non-2xx status with `{ error: AppErrorData }`. Events arrive over one
// Server-Sent Events stream at `/api/events`, each message the contract's ApiEventMessage `{ event, payload }`. Images are served by
// `/api/image?handle=...`. The server authenticates the page with an HttpOnly cookie it set when the tokenised URL
// was opened, so the page itself never holds the token.
//
// May import: electron/core/shared, ./types.
import {
  API_EVENTS,
  AppErrorDataSchema,
  BackendError,
  isApiEventId,
  type ApiArgs,
  type ApiCallId,
  type ApiEventId,
  type ApiEventPayload,
  type ApiResult,
  type ImageRef,
} from '../../../../electron/core/shared/api.js';
import type { RendererBackend } from './types.js';

type AnyListener = (payload: unknown) => void;

export class HttpBackend implements RendererBackend {
  readonly mode = 'browser' as const;
  readonly #base: string;
  readonly #listeners = new Map<ApiEventId, Set<AnyListener>>();
  readonly #reconnectListeners = new Set<() => void>();
  #events: EventSource | undefined;
  /** Whether the stream dropped since it last opened (EventSource reconnects by itself; events sent meanwhile are lost). */
  #dropped = false;

  /** @param base the server's origin and path prefix, `''` for the page's own origin. */
  constructor(base = '') {
    this.#base = base;
  }

  async invoke<K extends ApiCallId>(call: K, args: ApiArgs<K>): Promise<ApiResult<K>> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}/api/${call}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(args),
      });
    } catch (err) {
      throw new BackendError({
        code: 'INTERNAL',
        message: `Could not reach the TinySR server for "${call}" (${(err as Error).message}). Is \`tinysr serve\` still running?`,
      });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) return body as ApiResult<K>;
    const parsed = AppErrorDataSchema.safeParse((body as { error?: unknown } | undefined)?.error);
    if (parsed.success) throw new BackendError(parsed.data);
    throw new BackendError({
      code: 'INTERNAL',
      message:
        response.status === 401 || response.status === 403
          ? `The server refused "${call}" (HTTP ${response.status}): open the link with the token that \`tinysr serve\` printed.`
          : `The server answered "${call}" with HTTP ${response.status} and no error details.`,
    });
  }

  on<E extends ApiEventId>(event: E, listener: (payload: ApiEventPayload<E>) => void): () => void {
    const listeners = this.#listeners.get(event) ?? new Set<AnyListener>();
    listeners.add(listener as AnyListener);
    this.#listeners.set(event, listeners);
    this.#openEvents();
    return () => {
      listeners.delete(listener as AnyListener);
    };
  }

  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => {
      this.#reconnectListeners.delete(listener);
    };
  }

  imageUrl(image: ImageRef): string {
    return `${this.#base}/api/image?handle=${encodeURIComponent(image.handle)}`;
  }

  /** A plain browser never sees the paths of dropped files; the user types or pastes paths on the server instead. */
  pathsOfFiles(_files: readonly File[]): string[] {
    return [];
  }

  /** Stops the event stream (tests and page unload). */
  close(): void {
    this.#events?.close();
    this.#events = undefined;
  }

  #openEvents(): void {
    if (this.#events !== undefined) return;
    const source = new EventSource(`${this.#base}/api/events`, { withCredentials: true });
    source.onmessage = (message: MessageEvent<string>) => this.#dispatch(message.data);
    source.onerror = () => {
      this.#dropped = true;
    };
    source.onopen = () => {
      if (!this.#dropped) return;
      this.#dropped = false;
      for (const listener of this.#reconnectListeners) listener();
    };
    this.#events = source;
  }

  #dispatch(data: string): void {
    let message: { event?: unknown; payload?: unknown };
    try {
      message = JSON.parse(data) as typeof message;
    } catch {
      console.error('TinySR: ignored an event that is not JSON', data.slice(0, 200));
      return;
    }
    const event = message.event;
    if (!isApiEventId(event)) return;
    const parsed = API_EVENTS[event].safeParse(message.payload);
    if (!parsed.success) {
      console.error(`TinySR: ignored a "${event}" event that does not match the contract`, parsed.error.issues);
      return;
    }
    for (const listener of this.#listeners.get(event) ?? []) listener(parsed.data);
  }
}
