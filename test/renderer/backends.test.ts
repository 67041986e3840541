// The two real transports, with the outside world replaced at its edge: HttpBackend over a stubbed fetch and
// EventSource (the browser-mode server's conventions), IpcBackend over a fake preload bridge (reply envelopes).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../electron/core/shared/api.js';
import { HttpBackend } from '../../renderer/src/lib/backend/http-backend.js';
import { IpcBackend, type TinySrBridge } from '../../renderer/src/lib/backend/ipc-backend.js';
import type { RendererBackend } from '../../renderer/src/lib/backend/types.js';
import { makeSnapshot } from './fixtures.js';

class FakeEventSource {
  static last: FakeEventSource | undefined;
  onmessage: ((message: MessageEvent<string>) => void) | null = null;
  onerror: (() => void) | null = null;
  onopen: (() => void) | null = null;
  constructor(
    readonly url: string,
    readonly init: EventSourceInit,
  ) {
    FakeEventSource.last = this;
  }
  deliver(data: unknown): void {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) } as MessageEvent<string>);
  }
  close(): void {}
}

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
  it('POSTs the args as JSON to /api/<call> and returns the result', async () => {
    const snapshot = makeSnapshot([]);
    const fetch = stubFetch(200, snapshot);
    const result = await new HttpBackend().invoke('queue/cancel', { ids: ['a'] });
    expect(result).toEqual(snapshot);
    expect(fetch).toHaveBeenCalledWith('/api/queue/cancel', expect.objectContaining({ method: 'POST', body: '{"ids":["a"]}', credentials: 'same-origin' }));
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

  it('opens one event stream and delivers only contract-valid events to their listeners', () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const backend = new HttpBackend();
    const changed: unknown[] = [];
    const notices: unknown[] = [];
    backend.on('queue/changed', (snapshot) => changed.push(snapshot));
    const stop = backend.on('engine/notice', (notice) => notices.push(notice));
    const source = FakeEventSource.last!;
    expect(source.url).toBe('/api/events');

    source.deliver({ event: 'queue/changed', payload: makeSnapshot([]) });
    source.deliver({ event: 'engine/notice', payload: { code: 'oom-smaller-tile', message: 'smaller tiles' } });
    source.deliver({ event: 'engine/notice', payload: { code: 'not-a-code', message: 'x' } });
    source.deliver({ event: 'no/such-event', payload: {} });
    source.deliver('not json');
    expect(changed).toHaveLength(1);
    expect(notices).toEqual([{ code: 'oom-smaller-tile', message: 'smaller tiles' }]);
    expect(errors).toHaveBeenCalledTimes(2);

    stop();
    source.deliver({ event: 'engine/notice', payload: { code: 'oom-smaller-tile', message: 'again' } });
    expect(notices).toHaveLength(1);
  });

  it('tells its listeners when the stream came back after a drop, not on the first open', () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const backend = new HttpBackend();
    let reconnects = 0;
    backend.onReconnect(() => reconnects++);
    backend.on('queue/changed', () => {});
    const source = FakeEventSource.last!;
    source.onopen?.();
    expect(reconnects).toBe(0);
    source.onerror?.();
    source.onopen?.();
    expect(reconnects).toBe(1);
  });

  it('serves images through the image route and knows no file paths', () => {
    const backend: RendererBackend = new HttpBackend();
    expect(backend.imageUrl({ handle: 'item/a b/input' })).toBe('/api/image?handle=item%2Fa%20b%2Finput');
    expect(backend.pathsOfFiles([new File([], 'a.jpg')])).toEqual([]);
    expect(backend.pickers).toBeUndefined();
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
  });
});
