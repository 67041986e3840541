import { afterEach, describe, expect, it } from 'vitest';
import { parentWorkerPort } from '../../electron/core/engine/worker-port.js';

const host = process as { parentPort?: unknown };

afterEach(() => {
  delete host.parentPort;
});

describe('parentWorkerPort', () => {
  it("uses Electron's utilityProcess parentPort when there is one", () => {
    const sent: unknown[] = [];
    let listener: ((event: { data: unknown }) => void) | undefined;
    host.parentPort = {
      postMessage: (m: unknown) => sent.push(m),
      on: (_event: 'message', l: (event: { data: unknown }) => void) => (listener = l),
    };
    const port = parentWorkerPort();
    const received: unknown[] = [];
    port.onMessage((m) => received.push(m));
    port.post({ type: 'ready', pid: 1 });
    listener?.({ data: { type: 'cancel', id: '3' } });
    expect(sent).toEqual([{ type: 'ready', pid: 1 }]);
    expect(received).toEqual([{ type: 'cancel', id: '3' }]);
  });

  it('refuses to run without any channel to a parent', () => {
    const send = process.send; // vitest's fork pool gives this process an IPC channel: hide it for this synchronous check
    process.send = undefined;
    try {
      expect(() => parentWorkerPort()).toThrow(/child_process\.fork or utilityProcess\.fork/);
    } finally {
      process.send = send;
    }
  });
});
