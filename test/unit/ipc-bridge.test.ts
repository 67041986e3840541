// The preload's bridge (`window.tinysr`), built over a fake ipcRenderer: only contract ids go out, subscriptions
// return their own unsubscribe, the renderer never sees the IPC event object, and image URLs round-trip.
import { describe, expect, it } from 'vitest';
import type { ApiEventPayload } from '../../electron/core/shared/api.js';
import { callChannel, eventChannel, handleFromImageUrl, hostChannel, imageUrl } from '../../electron/preload/bridge.js';
import { createBridge, type IpcRendererLike } from '../../electron/preload/create-bridge.js';

type Listener = (event: unknown, ...args: unknown[]) => void;

function fakeIpcRenderer() {
  const invoked: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push({ channel, args });
      return { ok: true, value: 'from main' };
    },
    on: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener)),
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const emit = (channel: string, payload: unknown): void => {
    for (const l of listeners.get(channel) ?? []) l({ sender: 'the ipcRenderer itself' }, payload);
  };
  return { ipc, invoked, listeners, emit };
}

const pathOf = (file: File): string => `/dropped/${file.name}`;

describe('createBridge', () => {
  it('sends contract calls on their channel and answers anything else without touching IPC', async () => {
    const fake = fakeIpcRenderer();
    const bridge = createBridge(fake.ipc, pathOf, 'linux');
    await expect(bridge.invoke('queue/list', {})).resolves.toEqual({ ok: true, value: 'from main' });
    const smuggled = await bridge.invoke('fs/readFile' as 'queue/list', {});
    expect(smuggled).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/fs\/readFile/) } });
    expect(fake.invoked).toEqual([{ channel: callChannel('queue/list'), args: [{}] }]);
  });

  it('delivers event payloads without the IPC event, and each unsubscribe removes only its listener', () => {
    const fake = fakeIpcRenderer();
    const bridge = createBridge(fake.ipc, pathOf, 'linux');
    const first: unknown[][] = [];
    const second: unknown[][] = [];
    const offFirst = bridge.on('engine/status', (...args) => first.push(args));
    bridge.on('engine/status', (...args) => second.push(args));
    const payload: ApiEventPayload<'engine/status'> = { state: 'crashed', reason: 'oom', at: '2026-01-01T00:00:00.000Z' };
    fake.emit(eventChannel('engine/status'), payload);
    offFirst();
    offFirst();
    fake.emit(eventChannel('engine/status'), payload);
    expect(first).toEqual([[payload]]);
    expect(second).toEqual([[payload], [payload]]);
    expect(fake.listeners.get(eventChannel('engine/status'))?.size).toBe(1);
  });

  it('refuses to subscribe to anything that is not a contract event', () => {
    const bridge = createBridge(fakeIpcRenderer().ipc, pathOf, 'linux');
    expect(() => bridge.on('ipc/anything' as 'engine/status', () => undefined)).toThrow(/not an API event/);
  });

  it('routes the dialogs to their host channels and exposes file paths and the platform', async () => {
    const fake = fakeIpcRenderer();
    const bridge = createBridge(fake.ipc, pathOf, 'freebsd');
    await bridge.openImages({ folders: true });
    await bridge.chooseOutputFolder();
    expect(fake.invoked.map((i) => i.channel)).toEqual([hostChannel('open-images'), hostChannel('choose-output-folder')]);
    expect(bridge.getPathForFile(new File(['x'], 'cat.png'))).toBe('/dropped/cat.png');
    expect(bridge.platform).toBe('other');
    expect(createBridge(fake.ipc, pathOf, 'darwin').platform).toBe('darwin');
  });
});

describe('image URLs', () => {
  it('round-trip any handle, including characters that mean something in URLs', () => {
    for (const handle of ['item/3f2a/input', 'preview/1/model', 'a b/c?d=e&f#g%h', 'ünïcødé/äö']) {
      expect(handleFromImageUrl(imageUrl(handle))).toBe(handle);
    }
  });
  it('accept nothing but the exact shape imageUrl makes', () => {
    expect(handleFromImageUrl('tinysr-image://image/?handle=')).toBeUndefined();
    expect(handleFromImageUrl('tinysr-image://other/?handle=x')).toBeUndefined();
    expect(handleFromImageUrl('tinysr-image://image/etc/passwd?handle=x')).toBeUndefined();
    expect(handleFromImageUrl('file:///etc/passwd')).toBeUndefined();
    expect(handleFromImageUrl('not a url')).toBeUndefined();
  });
});
