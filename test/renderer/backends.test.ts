// The two real transports, with the outside world replaced at its edge: HttpBackend over a stubbed fetch (calls and
// the event stream, the browser-mode server's conventions), IpcBackend over a fake preload bridge (reply envelopes).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../electron/core/shared/api.js';
import { deriveImageKey, HttpBackend, readPageToken } from '../../renderer/src/lib/backend/http-backend.js';
import { IpcBackend, type TinySrBridge } from '../../renderer/src/lib/backend/ipc-backend.js';
import type { RendererBackend } from '../../renderer/src/lib/backend/types.js';
import { makeSnapshot } from './fixtures.js';

/** The server's event stream as a fetch Response whose chunks the test writes (`end` drops the connection). */
class FakeStream {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly response: Response;
  constructor() {
    const body = new ReadableStream<Uint8Array>({ start: (controller) => (this.controller = controller) });
    this.response = new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  }
  write(text: string): void {
    this.controller.enqueue(new TextEncoder().encode(text));
  }
  deliver(data: unknown): void {
    this.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }
  end(): void {
    this.controller.close();
  }
  /** What an aborted fetch does to its body: reads fail. */
  fail(): void {
    this.controller.error(new DOMException('The operation was aborted.', 'AbortError'));
  }
}

/** A fetch that answers /api/events with the next stream of `streams` (and records every request). */
function stubEventFetch(streams: FakeStream[]): ReturnType<typeof vi.fn> {
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const stream = url.endsWith('/api/events') ? streams.shift() : undefined;
    if (stream === undefined) throw new TypeError('Failed to fetch');
    init?.signal?.addEventListener('abort', () => stream.fail(), { once: true });
    return stream.response;
  });
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

/** Resolves once `condition` holds (the stream is read asynchronously). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 0));
}

const ACCESS = { token: 'T0k3n', imageKey: 'k3y' };

/** HMAC-SHA256(token, 'tinysr image key v1'), base64url, as computed by Node's createHmac once. */
const IMAGE_KEY_GOLDEN = { token: 'Q2hlbHNlYSB0aGUgY2F0IGlzIGEgdGVzdCB0b2tlbiEh', key: 'oWKCqRGLOPxVUMbdzwtXyFpd_8fgH8mmRMh2_ZRMU2U' };

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function stubFetch(status: number, body: unknown): ReturnType<typeof vi.fn> {
  const fetch = vi.fn(async () => new Response(body === undefined ? '' : JSON.stringify(body), { status }));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

describe('HttpBackend', () => {
  it('POSTs the args as JSON to /api/<call> with the token as a Bearer header, never a cookie, and returns the result', async () => {
    const snapshot = makeSnapshot([]);
    const fetch = stubFetch(200, snapshot);
    const result = await new HttpBackend('', ACCESS).invoke('queue/cancel', { ids: ['a'] });
    expect(result).toEqual(snapshot);
    expect(fetch).toHaveBeenCalledWith('/api/queue/cancel', expect.objectContaining({ method: 'POST', body: '{"ids":["a"]}', headers: expect.objectContaining({ Authorization: 'Bearer T0k3n' }) }));
    expect(fetch.mock.calls[0]![1]).not.toHaveProperty('credentials');
  });

  it("rebuilds the service's error data from a failed call", async () => {
    stubFetch(422, { error: { code: 'INPUT_CORRUPT', message: 'c.jpg is truncated.', path: '/p/c.jpg' } });
    const error = await rejection(new HttpBackend().invoke('queue/list', {}));
    expect(error.data).toEqual({ code: 'INPUT_CORRUPT', message: 'c.jpg is truncated.', path: '/p/c.jpg' });
  });

  it('explains a refused token and an unreachable server', async () => {
    stubFetch(401, undefined);
    expect((await rejection(new HttpBackend().invoke('queue/list', {}))).message).toMatch(/token/);
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const error = await rejection(new HttpBackend().invoke('queue/list', {}));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(/Could not reach .*Failed to fetch/);
  });

  it('reads one event stream with the Bearer header and delivers only contract-valid events to their listeners', async () => {
    const stream = new FakeStream();
    const fetch = stubEventFetch([stream]);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const backend = new HttpBackend('', ACCESS);
    const changed: unknown[] = [];
    const notices: unknown[] = [];
    backend.on('queue/changed', (snapshot) => changed.push(snapshot));
    const stop = backend.on('engine/notice', (notice) => notices.push(notice));
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith('/api/events', expect.objectContaining({ headers: { Authorization: 'Bearer T0k3n' } }));

    stream.write('retry: 1000\n: connected\n\n');
    stream.deliver({ event: 'queue/changed', payload: makeSnapshot([]) });
    // A message split across chunks, with CRLF line ends, is still one message.
    const notice = JSON.stringify({ event: 'engine/notice', payload: { code: 'oom-smaller-tile', message: 'smaller tiles' } });
    stream.write(`data: ${notice.slice(0, 20)}`);
    stream.write(`${notice.slice(20)}\r\n\r\n`);
    stream.deliver({ event: 'engine/notice', payload: { code: 'not-a-code', message: 'x' } });
    stream.deliver({ event: 'no/such-event', payload: {} });
    stream.deliver('not json');
    await until(() => errors.mock.calls.length === 2);
    expect(changed).toHaveLength(1);
    expect(notices).toEqual([{ code: 'oom-smaller-tile', message: 'smaller tiles' }]);

    stop();
    stream.deliver({ event: 'engine/notice', payload: { code: 'oom-smaller-tile', message: 'again' } });
    stream.deliver({ event: 'queue/changed', payload: makeSnapshot([]) });
    await until(() => changed.length === 2);
    expect(notices).toHaveLength(1);
    backend.close();
  });

  it('tells its listeners the moment the stream drops and when it came back, not on the first open', async () => {
    const first = new FakeStream();
    const second = new FakeStream();
    const fetch = stubEventFetch([first, second]);
    const backend = new HttpBackend('', ACCESS);
    const changes: string[] = [];
    backend.onConnectionChange((change) => changes.push(change));
    backend.on('queue/changed', () => {});
    await until(() => fetch.mock.calls.length === 1);
    expect(changes).toEqual([]);
    first.end(); // the server went away; the backend says so, waits its retry delay and opens the stream again
    await until(() => changes.length === 1);
    expect(changes).toEqual(['lost']);
    await until(() => changes.length === 2);
    expect(changes).toEqual(['lost', 'restored']);
    expect(fetch).toHaveBeenCalledTimes(2);
    backend.close();
  });

  it('takes a stream that falls silent (a hung server, no socket closed) as lost', async () => {
    vi.useFakeTimers();
    try {
      const silent = new FakeStream();
      const fetch = stubEventFetch([silent, new FakeStream()]);
      const backend = new HttpBackend('', ACCESS);
      const changes: string[] = [];
      backend.onConnectionChange((change) => changes.push(change));
      backend.on('queue/changed', () => {});
      await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
      silent.write(': connected\n\n');
      await vi.advanceTimersByTimeAsync(1900);
      expect(changes).toEqual([]);
      await vi.advanceTimersByTimeAsync(200);
      expect(changes).toEqual(['lost']);
      backend.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes the token from the URL fragment once, keeps it in sessionStorage, and removes it from the address bar', () => {
    const storage = new Map<string, string>();
    const session = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) } as Storage;
    const replaced: string[] = [];
    const history = { state: null, replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) } as unknown as History;
    const at = (hash: string): Location => ({ hash, pathname: '/', search: '?view=compare' }) as Location;
    expect(readPageToken(at('#token=abc'), session, history)).toBe('abc');
    expect(replaced).toEqual(['/?view=compare']);
    expect(readPageToken(at(''), session, history)).toBe('abc'); // a reload: the fragment is gone, the tab remembers
    expect(replaced).toHaveLength(1);
  });

  it('derives the same image key as the server, with WebCrypto', async () => {
    // The same golden is checked against the server's imageKey() in test/integration/server.test.ts.
    expect(await deriveImageKey(IMAGE_KEY_GOLDEN.token)).toBe(IMAGE_KEY_GOLDEN.key);
  });

  it('serves images through the image route with the image key, and knows no file paths', () => {
    const backend: RendererBackend = new HttpBackend('', ACCESS);
    expect(backend.imageUrl({ handle: 'item/a b/input' })).toBe('/api/image?handle=item%2Fa%20b%2Finput&key=k3y');
    expect(backend.pathsOfFiles([new File([], 'a.jpg')])).toEqual([]);
    expect(backend.pickers).toBeUndefined();
    expect(backend.shell).toBeUndefined();
  });

  it('uploads a file as raw bytes with the token and answers as queue/add; a refusal keeps the server\'s reason', async () => {
    const fetch = vi.fn(async (url: string, init?: RequestInit) => {
      if (url === '/api/upload?name=my%20ph%C3%B6t%C3%B6.png') {
        expect(init?.headers).toEqual({ 'Content-Type': 'application/octet-stream', Authorization: 'Bearer T0k3n' });
        return new Response(JSON.stringify({ added: ['x'], rejected: [], snapshot: makeSnapshot([]) }), { status: 200 });
      }
      return new Response(JSON.stringify({ error: { code: 'INVALID_ARGUMENT', message: '"big.tif" is larger than 1 GB' } }), { status: 400 });
    });
    vi.stubGlobal('fetch', fetch);
    const backend = new HttpBackend('', ACCESS);
    expect((await backend.transfers.upload(new File(['abc'], 'my phötö.png'))).added).toEqual(['x']);
    expect((await rejection(backend.transfers.upload(new File(['abc'], 'big.tif')))).message).toContain('larger than 1 GB');
  });
});

describe('IpcBackend', () => {
  function bridge(overrides: Partial<TinySrBridge> = {}): TinySrBridge {
    return {
      invoke: (async () => ({ ok: true, value: makeSnapshot([]) })) as TinySrBridge['invoke'],
      on: () => () => {},
      getPathForFile: (file) => (file.name === 'memory.png' ? '' : `/dropped/${file.name}`),
      imageUrl: (handle) => `tinysr-image://image/?handle=${encodeURIComponent(handle)}`,
      openImages: async () => ({ ok: true, value: null }),
      chooseOutputFolder: async () => ({ ok: false, error: { code: 'OUTPUT_NOT_WRITABLE', message: '/ro is read-only.' } }),
      addModel: async () => ({ ok: true, value: null }),
      showResult: async ({ handle }) => (handle === 'item/1/output' ? { ok: true, value: null } : { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'not a result' } }),
      platform: 'linux',
      ...overrides,
    };
  }

  it('unwraps replies and turns failed ones into BackendErrors with the code', async () => {
    expect((await new IpcBackend(bridge()).invoke('queue/list', {})).status).toBe('idle');
    const failing = new IpcBackend(bridge({ invoke: async () => ({ ok: false, error: { code: 'MODEL_NOT_FOUND', message: 'No model "x".' } }) as never }));
    expect((await rejection(failing.invoke('queue/start', {}))).code).toBe('MODEL_NOT_FOUND');
    const garbled = new IpcBackend(bridge({ invoke: async () => ({ ok: false, error: { nonsense: true } as never }) }));
    expect((await rejection(garbled.invoke('queue/start', {}))).code).toBe('INTERNAL');
  });

  it('offers the native dialogs, the image scheme and the real paths of dropped files', async () => {
    const backend = new IpcBackend(bridge());
    expect(await backend.pickers.addImages({ folders: true })).toBeNull();
    expect((await rejection(backend.pickers.chooseOutputFolder())).code).toBe('OUTPUT_NOT_WRITABLE');
    expect(backend.imageUrl({ handle: 'item/1/input' })).toBe('tinysr-image://image/?handle=item%2F1%2Finput');
    expect(backend.pathsOfFiles([new File([], 'a.jpg'), new File([], 'memory.png')])).toEqual(['/dropped/a.jpg']);
    await backend.shell.showInFolder('item/1/output');
    expect((await rejection(backend.shell.openFolder('item/2/output'))).code).toBe('INVALID_ARGUMENT');
    expect((backend as RendererBackend).transfers).toBeUndefined();
  });
});
