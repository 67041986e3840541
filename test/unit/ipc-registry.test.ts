// IPC registration derived from the API contract, driven with a fake ipcMain: every contract call and host call gets
// one handler and nothing else does; each handler checks the sender, validates the arguments with the contract's
// schema and replies with data (value or AppErrorData).
import { describe, expect, it } from 'vitest';
import { API_CALL_IDS, type ApiCallId } from '../../electron/core/shared/api.js';
import { AppError } from '../../electron/core/shared/errors.js';
import { registerIpcHandlers, type HostHandlers, type IpcMainLike } from '../../electron/main/ipc-registry.js';
import { callChannel, hostChannel, HOST_CALLS, type IpcReply } from '../../electron/preload/bridge.js';

interface FakeEvent {
  trusted: boolean;
  url: string;
}

function fakeIpcMain() {
  const handlers = new Map<string, (event: FakeEvent, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike<FakeEvent> = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const invoke = (channel: string, event: FakeEvent, ...args: unknown[]): Promise<IpcReply<unknown>> => {
    const handler = handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(event, ...args) as Promise<IpcReply<unknown>>;
  };
  return { ipcMain, handlers, invoke };
}

const APP = { trusted: true, url: 'tinysr-app://renderer/index.html' };

function setup(dispatch: (call: ApiCallId, args: unknown) => Promise<unknown> = async (call, args) => ({ call, args })) {
  const fake = fakeIpcMain();
  const calls: { call: ApiCallId; args: unknown }[] = [];
  const hostCalls: unknown[] = [];
  const host: HostHandlers = {
    'open-images': async (args) => (hostCalls.push(args), null),
    'choose-output-folder': async (args) => (hostCalls.push(args), null),
    'show-result': async (args) => (hostCalls.push(args), null),
    'add-model': async (args) => (hostCalls.push(args), null),
  };
  const dispose = registerIpcHandlers<FakeEvent>({
    ipcMain: fake.ipcMain,
    isTrusted: (event) => event.trusted,
    describeSender: (event) => `the frame ${event.url}`,
    dispatch: (call, args) => (calls.push({ call, args }), dispatch(call, args)),
    host,
  });
  return { ...fake, calls, hostCalls, dispose };
}

describe('registerIpcHandlers', () => {
  it('registers exactly one handler per contract call and host call, on namespaced channels', () => {
    const { handlers } = setup();
    const expected = [...API_CALL_IDS.map(callChannel), ...HOST_CALLS.map(hostChannel)].sort();
    expect([...handlers.keys()].sort()).toEqual(expected);
    expect([...handlers.keys()].every((c) => c.startsWith('tinysr:'))).toBe(true);
  });

  it('passes validated arguments (defaults applied) to the service and replies with the value', async () => {
    const { invoke, calls } = setup();
    const reply = await invoke(callChannel('queue/cancel'), APP, { ids: ['a', 'b'] });
    expect(reply).toEqual({ ok: true, value: { call: 'queue/cancel', args: { ids: ['a', 'b'] } } });
    expect(calls).toEqual([{ call: 'queue/cancel', args: { ids: ['a', 'b'] } }]);
  });

  it('refuses arguments that do not match the contract, naming the field, without calling the service', async () => {
    const { invoke, calls } = setup();
    const reply = await invoke(callChannel('queue/add'), APP, { paths: [], recursive: 'yes' });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('INVALID_ARGUMENT');
    expect(reply.error.message).toMatch(/queue\/add/);
    expect(reply.error.message).toMatch(/paths/);
    expect(reply.error.message).toMatch(/recursive/);
    const extra = await invoke(callChannel('queue/list'), APP, { sneaky: '/etc/passwd' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/sneaky/) } });
    const twoArgs = await invoke(callChannel('queue/list'), APP, {}, {});
    expect(twoArgs).toMatchObject({ ok: false, error: { message: expect.stringMatching(/exactly one argument/) } });
    expect(calls).toEqual([]);
  });

  it('refuses calls from any frame but the app window top frame, and runs nothing for them', async () => {
    const { invoke, calls, hostCalls } = setup();
    const intruder = { trusted: false, url: 'https://evil.example/' };
    const reply = await invoke(callChannel('queue/list'), intruder, {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/evil\.example.*refused/) } });
    const dialog = await invoke(hostChannel('open-images'), intruder, { folders: false });
    expect(dialog.ok).toBe(false);
    expect(calls).toEqual([]);
    expect(hostCalls).toEqual([]);
  });

  it('replies with the AppError as data (code, message, path) when the call fails', async () => {
    const { invoke } = setup(async () => {
      throw new AppError('INPUT_NOT_FOUND', '/photos/a.jpg does not exist', { path: '/photos/a.jpg' });
    });
    expect(await invoke(callChannel('queue/add'), APP, { paths: ['/photos/a.jpg'] })).toEqual({
      ok: false,
      error: { code: 'INPUT_NOT_FOUND', message: '/photos/a.jpg does not exist', path: '/photos/a.jpg', details: undefined },
    });
    const { invoke: invokeBroken } = setup(async () => {
      throw new TypeError('x is undefined');
    });
    expect(await invokeBroken(callChannel('queue/list'), APP, {})).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'x is undefined' } });
  });

  it('validates host call arguments too', async () => {
    const { invoke, hostCalls } = setup();
    expect(await invoke(hostChannel('open-images'), APP, { folders: true })).toEqual({ ok: true, value: null });
    expect(await invoke(hostChannel('open-images'), APP, { folders: 'no', path: '/x' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    // A result to show is named by its handle; a path (or any other field) is refused before main acts.
    expect(await invoke(hostChannel('show-result'), APP, { handle: 'item/1/output', reveal: 'folder' })).toEqual({ ok: true, value: null });
    expect(await invoke(hostChannel('show-result'), APP, { handle: 'item/1/output', reveal: 'folder', path: '/etc' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await invoke(hostChannel('show-result'), APP, { handle: 'item/1/output', reveal: 'delete' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(hostCalls).toEqual([{ folders: true }, { handle: 'item/1/output', reveal: 'folder' }]);
  });

  it('removes every handler it registered', () => {
    const { handlers, dispose } = setup();
    dispose();
    expect(handlers.size).toBe(0);
  });
});
