// Cancel and pause as the engine client relays them, against a scripted engine process: a job whose worker does not
// hear the cancel (stuck inside one long model run) is ended by stopping that worker, while a worker that answers the
// cancel in time is kept; pause and resume reach the worker as `hold` messages.
import { describe, expect, it } from 'vitest';
import { EngineClient } from '../../electron/core/engine/engine-client.js';
import type { EngineExit, EngineProcess } from '../../electron/core/engine/engine-process.js';
import type { ClientMessage } from '../../electron/core/shared/engine-protocol.js';
import { AppError } from '../../electron/core/shared/errors.js';
import { PauseController } from '../../electron/core/shared/pause.js';

/** An engine process that answers init, records every message and, when `answersCancel`, fails a cancelled job. */
class ScriptedProcess implements EngineProcess {
  readonly pid = 4242;
  readonly received: ClientMessage[] = [];
  killed: 'no' | 'now' | 'gently' = 'no';
  private listener: ((message: unknown) => void) | undefined;
  private exitListener: ((exit: EngineExit) => void) | undefined;

  constructor(private readonly answersCancel: boolean) {}

  postMessage(message: ClientMessage): void {
    this.received.push(message);
    queueMicrotask(() => {
      if (message.type === 'init') this.listener?.({ type: 'ready', pid: this.pid });
      if (message.type === 'cancel' && this.answersCancel) {
        this.listener?.({ type: 'failure', id: message.id, error: new AppError('CANCELLED', 'cancelled between tiles').toJSON() });
      }
    });
  }
  onMessage(listener: (message: unknown) => void): void {
    this.listener = listener;
  }
  onExit(listener: (exit: EngineExit) => void): void {
    this.exitListener = listener;
  }
  kill(options?: { now?: boolean }): void {
    this.killed = options?.now === true ? 'now' : 'gently';
    this.exitListener?.({ reason: 'killed', code: null, signal: 'SIGTERM', output: [] });
  }
}

function clientWith(answersCancel: boolean): { client: EngineClient; processes: ScriptedProcess[] } {
  const processes: ScriptedProcess[] = [];
  const client = new EngineClient({
    spawn: () => {
      const process = new ScriptedProcess(answersCancel);
      processes.push(process);
      return process;
    },
  });
  return { client, processes };
}

const request = { input: '/nowhere/in.png', output: '/nowhere/out/in_x4.png', model: 'm' };

describe('EngineClient cancel and pause', () => {
  it('stops a worker that does not answer a cancel, fails the job as cancelled, and starts a fresh worker next', async () => {
    const { client, processes } = clientWith(false);
    const controller = new AbortController();
    const job = client.upscale(request, { signal: controller.signal });
    await client.start();
    controller.abort();
    await expect(job).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(processes[0]?.received.map((m) => m.type)).toEqual(['init', 'request', 'cancel']);
    expect(processes[0]?.killed).toBe('now');
    await client.start();
    expect(processes).toHaveLength(2);
    await client.close();
  });

  it('keeps a worker that stops the cancelled job by itself', async () => {
    const { client, processes } = clientWith(true);
    const controller = new AbortController();
    const job = client.upscale(request, { signal: controller.signal });
    await client.start();
    controller.abort();
    await expect(job).rejects.toMatchObject({ code: 'CANCELLED', message: 'cancelled between tiles' });
    expect(processes[0]?.killed).toBe('no');
    await client.close();
  });

  it('relays pause and resume to the worker as hold messages for that job, a pause set before the start included', async () => {
    const { client, processes } = clientWith(true);
    const pause = new PauseController();
    pause.pause();
    const controller = new AbortController();
    const job = client.upscale(request, { signal: controller.signal, pause });
    await client.start();
    pause.resume();
    pause.pause();
    controller.abort();
    await expect(job).rejects.toMatchObject({ code: 'CANCELLED' });
    const holds = processes[0]?.received.filter((m) => m.type === 'hold');
    expect(holds).toEqual([
      { type: 'hold', id: '1', paused: true },
      { type: 'hold', id: '1', paused: false },
      { type: 'hold', id: '1', paused: true },
    ]);
    await client.close();
  });
});
