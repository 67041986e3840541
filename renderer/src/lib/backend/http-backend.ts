// Browser mode's backend: `tinysr serve` on 127.0.0.1. Calls are `POST /api/<call id>` with the args as JSON; the
// answer is the result as JSON, or a non-2xx status with `{ error: AppErrorData }`. Events arrive over one
// Server-Sent Events stream at `/api/events`, each message the contract's ApiEventMessage `{ event, payload }`. Images are served by
// `/api/image?handle=...&key=...`. Files cross the network: uploads (`POST /api/upload`), one result or all of them as
// a ZIP (`GET /api/download`, `/api/download-all`), each with the Bearer token. A stream that ends, fails or falls silent for 2 s is a lost server: the listeners
// hear `lost` at once and `restored` when the stream is back (it retries every second).
//
// The token (core/shared/browser-access.ts): read once from the URL's fragment into this tab's sessionStorage, sent as
// `Authorization: Bearer` on every call and on the event stream (read with fetch, because EventSource cannot send a
// header), and turned into the image key for image URLs. Never a cookie: those reach every server on 127.0.0.1.
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
import { IMAGE_KEY_LABEL, IMAGE_KEY_PARAM, TOKEN_FRAGMENT_PARAM, TOKEN_STORAGE_KEY } from '../../../../electron/core/shared/browser-access.js';
import type { AddedModel, ConnectionChange, HostTransfers, RendererBackend } from './types.js';

type AnyListener = (payload: unknown) => void;

/** How long the event stream waits before it reconnects after a drop (what the server's `retry:` line says). */
const RECONNECT_MS = 1000;
/**
 * Silence after which the stream counts as lost: the server sends a heartbeat every second (core/server's
 * event-stream.ts), so two seconds without a byte means it is gone or hung even when no socket closed.
 */
const SILENCE_MS = 2000;

/** The page's access: the token for calls and events, the image key for image URLs; empty when the page has none. */
export interface PageAccess {
  token: string;
  imageKey: string;
}

/**
 * The token this tab was opened with: from the URL's fragment (`#token=...`, then removed from the address bar and
 * history so it is not bookmarked or shared by accident) or, after a reload, from this tab's sessionStorage.
 */
export function readPageToken(location: Location, storage: Storage, history: History): string {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const given = fragment.get(TOKEN_FRAGMENT_PARAM);
  if (given !== null) {
    storage.setItem(TOKEN_STORAGE_KEY, given);
    fragment.delete(TOKEN_FRAGMENT_PARAM);
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest === '' ? '' : `#${rest}`}`);
    return given;
  }
  return storage.getItem(TOKEN_STORAGE_KEY) ?? '';
}

/** The image key for `token`: HMAC-SHA256(token, IMAGE_KEY_LABEL), base64url (the server's access.ts derives the same). */
export async function deriveImageKey(token: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(IMAGE_KEY_LABEL)));
  return btoa(String.fromCharCode(...mac)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class HttpBackend implements RendererBackend {
  readonly mode = 'browser' as const;
  readonly #base: string;
  readonly #listeners = new Map<ApiEventId, Set<AnyListener>>();
  readonly #connectionListeners = new Set<(change: ConnectionChange) => void>();
  readonly #access: PageAccess;
  /** Stops the event stream; set while it runs. */
  #events: AbortController | undefined;
  /** Whether the stream dropped since it last opened (it reconnects by itself; events sent meanwhile are lost). */
  #dropped = false;

  /**
   * @param base the server's origin and path prefix, `''` for the page's own origin.
   * @param access the token and image key (connectBackend reads them from the page; empty: every call gets a 401).
   */
  constructor(base = '', access: PageAccess = { token: '', imageKey: '' }) {
    this.#base = base;
    this.#access = access;
  }

  async invoke<K extends ApiCallId>(call: K, args: ApiArgs<K>): Promise<ApiResult<K>> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}/api/${call}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.#access.token}` },
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

  onConnectionChange(listener: (change: ConnectionChange) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => {
      this.#connectionListeners.delete(listener);
    };
  }

  imageUrl(image: ImageRef): string {
    return `${this.#base}/api/image?handle=${encodeURIComponent(image.handle)}&${IMAGE_KEY_PARAM}=${encodeURIComponent(this.#access.imageKey)}`;
  }

  readonly transfers: HostTransfers = {
    upload: async (file) => {
      const response = await this.#fetch(`upload of "${file.name}"`, `/api/upload?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: file,
      });
      return (await response.json()) as ApiResult<'queue/add'>;
    },
    addModel: async (file) => {
      const response = await this.#fetch(`upload of "${file.name}"`, `/api/add-model?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: file,
      });
      return (await response.json()) as AddedModel;
    },
    download: async (handle) => this.#save(await this.#fetch('download', `/api/download?handle=${encodeURIComponent(handle)}`), 'result'),
    downloadAll: async () => this.#save(await this.#fetch('download of every result', '/api/download-all'), 'tinysr-results.zip'),
  };

  /** A transfer request with the token; a refusal becomes a BackendError with the server's reason. */
  async #fetch(what: string, url: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}${url}`, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${this.#access.token}` } });
    } catch (err) {
      throw new BackendError({ code: 'INTERNAL', message: `Could not reach the TinySR server for the ${what} (${(err as Error).message}). Is \`tinysr serve\` still running?` });
    }
    if (response.ok) return response;
    const body: unknown = await response.json().catch(() => undefined);
    const parsed = AppErrorDataSchema.safeParse((body as { error?: unknown } | undefined)?.error);
    throw new BackendError(parsed.success ? parsed.data : { code: 'INTERNAL', message: `The server answered the ${what} with HTTP ${response.status}.` });
  }

  /** Hands a downloaded body to the browser's "save", under the name the server gave it. */
  async #save(response: Response, fallback: string): Promise<void> {
    const disposition = response.headers.get('Content-Disposition') ?? '';
    const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
    const name = encoded === undefined ? fallback : decodeURIComponent(encoded);
    const url = URL.createObjectURL(await response.blob());
    try {
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      link.click();
    } finally {
      // The click has started the download from the blob; the URL is no longer needed once it has been read.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    }
  }

  /** A plain browser never sees the paths of dropped files; the user types or pastes paths on the server instead. */
  pathsOfFiles(_files: readonly File[]): string[] {
    return [];
  }

  /** Stops the event stream (tests and page unload). */
  close(): void {
    this.#events?.abort();
    this.#events = undefined;
  }

  #openEvents(): void {
    if (this.#events !== undefined) return;
    const stop = new AbortController();
    this.#events = stop;
    void this.#streamEvents(stop.signal);
  }

  /**
   * Reads the event stream until close(), reconnecting after every drop as EventSource would, and tells the
   * connection listeners when it is lost (the stream ended, failed or fell silent) and when it is back.
   */
  async #streamEvents(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const attempt = new AbortController();
      const stopAttempt = (): void => attempt.abort();
      signal.addEventListener('abort', stopAttempt, { once: true });
      try {
        const response = await fetch(`${this.#base}/api/events`, { headers: { Authorization: `Bearer ${this.#access.token}` }, cache: 'no-store', signal: attempt.signal });
        if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
        if (this.#dropped) {
          this.#dropped = false;
          this.#tell('restored');
        }
        await this.#readMessages(response.body, attempt);
      } catch {
        if (signal.aborted) return;
      } finally {
        signal.removeEventListener('abort', stopAttempt);
      }
      if (!this.#dropped) {
        this.#dropped = true;
        this.#tell('lost');
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  }

  #tell(change: ConnectionChange): void {
    for (const listener of [...this.#connectionListeners]) listener(change);
  }

  /**
   * Splits the SSE text into messages (blank-line separated) and dispatches each one's `data:` lines; ends the
   * attempt when nothing arrived for SILENCE_MS.
   */
  async #readMessages(body: ReadableStream<Uint8Array>, attempt: AbortController): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let silence = setTimeout(() => attempt.abort(), SILENCE_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        clearTimeout(silence);
        if (done) return;
        silence = setTimeout(() => attempt.abort(), SILENCE_MS);
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).replace(/^ /, ''))
            .join('\n');
          buffer = buffer.slice(end + 2);
          if (data !== '') this.#dispatch(data);
        }
      }
    } finally {
      clearTimeout(silence);
    }
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
