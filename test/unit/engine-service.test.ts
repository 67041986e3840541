import { describe, expect, it } from 'vitest';
import { serveEngine } from '../../electron/core/engine/engine-service.js';
import type { JobContext } from '../../electron/core/engine/engine.js';
import type { WorkerPort } from '../../electron/core/engine/worker-port.js';
import { WorkerMessageSchema, type UpscaleRequest, type UpscaleResult, type WorkerMessage } from '../../electron/core/shared/engine-protocol.js';
import { AppError } from '../../electron/core/shared/errors.js';
import { FAKE_UPSCALE_RESULT, fakeEngineHandlers } from '../helpers/engine-handlers.js';

const RESULT = FAKE_UPSCALE_RESULT;

/** An in-memory port: `deliver` plays the client, `posted` collects what the worker sent (JSON round-tripped, as on the wire). */
function memoryPort() {
  let handler: (message: unknown) => void = () => undefined;
  const posted: WorkerMessage[] = [];
  const port: WorkerPort = {
    post: (message) => {
      const wire = JSON.parse(JSON.stringify(message)) as unknown;
      posted.push(WorkerMessageSchema.parse(wire)); // everything the worker sends must satisfy the contract
    },
    onMessage: (h) => (handler = h),
  };
  return { port, posted, deliver: (message: unknown) => handler(message) };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

function start(upscale: (request: UpscaleRequest, context: JobContext) => Promise<UpscaleResult>) {
  const wire = memoryPort();
  serveEngine(wire.port, () => fakeEngineHandlers(upscale));
  return wire;
}

const request = (id: string, params: Partial<UpscaleRequest> = {}) => ({
  type: 'request',
  id,
  call: { method: 'upscale', params: { input: 'in.png', output: 'out.png', model: 'm', ...params } },
});

describe('engine service (worker side of the protocol)', () => {
  it('answers init with ready, then streams events and the result of a request', async () => {
    const { posted, deliver } = start(async (_req, ctx) => {
      ctx.onEvent?.({ type: 'progress', tile: 1, tiles: 1, ms: 3, elapsedMs: 3, etaMs: 0 });
      return RESULT;
    });
    deliver({ type: 'init', config: {} });
    deliver(request('1'));
    await tick();
    expect(posted).toEqual([
      { type: 'ready', pid: process.pid },
      { type: 'event', id: '1', event: { type: 'progress', tile: 1, tiles: 1, ms: 3, elapsedMs: 3, etaMs: 0 } },
      { type: 'result', id: '1', result: { method: 'upscale', value: RESULT } },
    ]);
  });

  it('sends AppErrors as JSON that rebuilds the same error on the other side', async () => {
    const thrown = new AppError('INPUT_CORRUPT', 'photo.jpg is truncated', { path: '/x/photo.jpg', details: { bytes: 12 } });
    const { posted, deliver } = start(async () => {
      throw thrown;
    });
    deliver({ type: 'init', config: {} });
    deliver(request('7'));
    await tick();
    const failure = posted.find((m) => m.type === 'failure');
    expect(failure).toEqual({ type: 'failure', id: '7', error: { code: 'INPUT_CORRUPT', message: 'photo.jpg is truncated', path: '/x/photo.jpg', details: { bytes: 12 } } });
    const rebuilt = AppError.fromJSON(failure?.type === 'failure' ? failure.error : { code: 'INTERNAL', message: '' });
    expect(rebuilt).toBeInstanceOf(AppError);
    expect(rebuilt.toJSON()).toEqual(thrown.toJSON());
  });

  it('maps anything else thrown to INTERNAL with its message', async () => {
    const { posted, deliver } = start(async () => {
      throw new TypeError('boom');
    });
    deliver({ type: 'init', config: {} });
    deliver(request('2'));
    await tick();
    expect(posted.at(-1)).toMatchObject({ type: 'failure', id: '2', error: { code: 'INTERNAL', message: 'boom' } });
  });

  it('turns a cancel message into an aborted signal for that job only', async () => {
    const seen: Record<string, boolean> = {};
    const { posted, deliver } = start(async (req, ctx) => {
      await tick();
      seen[req.input] = ctx.signal?.aborted ?? false;
      if (ctx.signal?.aborted) throw new AppError('CANCELLED', 'cancelled');
      return RESULT;
    });
    deliver({ type: 'init', config: {} });
    deliver(request('a', { input: 'a.png' }));
    deliver(request('b', { input: 'b.png' }));
    deliver({ type: 'cancel', id: 'a' });
    await tick();
    await tick();
    expect(seen).toEqual({ 'a.png': true, 'b.png': false });
    expect(posted.filter((m) => m.type === 'failure')).toEqual([{ type: 'failure', id: 'a', error: { code: 'CANCELLED', message: 'cancelled' } }]);
  });

  it('rejects malformed messages and requests before init', async () => {
    const { posted, deliver } = start(async () => RESULT);
    deliver(request('early'));
    deliver({ type: 'request', id: '3', call: { method: 'upscale', params: { input: 'a.png' } } });
    deliver('not an object');
    await tick();
    expect(posted[0]).toMatchObject({ type: 'failure', id: 'early', error: { code: 'INTERNAL', message: expect.stringMatching(/before init/) } });
    expect(posted.slice(1).map((m) => m.type)).toEqual(['protocol-error', 'protocol-error']);
  });

  it('answers inspect and preview requests, and a cancel aborts a preview like an upscale', async () => {
    const { posted, deliver } = start(async (_req, ctx) => {
      await tick();
      if (ctx.signal?.aborted) throw new AppError('CANCELLED', 'cancelled');
      return RESULT;
    });
    deliver({ type: 'init', config: {} });
    deliver({ type: 'request', id: 'i', call: { method: 'inspect', params: { paths: ['a.png'] } } });
    const preview = { input: 'in.png', rect: { x: 0, y: 0, width: 2, height: 3 }, model: 'm', dir: '/tmp/p' };
    deliver({ type: 'request', id: 'p', call: { method: 'preview', params: preview } });
    deliver({ type: 'request', id: 'q', call: { method: 'preview', params: preview } });
    deliver({ type: 'cancel', id: 'q' });
    await tick();
    await tick();
    expect(posted).toContainEqual({ type: 'result', id: 'i', result: { method: 'inspect', value: { images: [{ path: 'a.png', ok: true, format: 'png', width: 2, height: 3 }] } } });
    expect(posted).toContainEqual(expect.objectContaining({ type: 'result', id: 'p', result: expect.objectContaining({ method: 'preview' }) }));
    expect(posted).toContainEqual(expect.objectContaining({ type: 'failure', id: 'q', error: expect.objectContaining({ code: 'CANCELLED' }) }));
  });
});
