// The worker side of the engine process: reads client messages from a WorkerPort, validates them, runs one Engine,
// streams its events back and answers every request with a result or an AppError as JSON. Cancel arrives as a
// message and aborts that job's AbortSignal; `hold` pauses or resumes it between tiles. Knows nothing about how the process was started (see worker-port.ts).
//
// May import: core/shared, ./engine, ./worker-port.
import { ClientMessageSchema, type EngineConfig, type EngineEvent, type WorkerMessage } from '../shared/engine-protocol.js';
import { AppError, toAppError } from '../shared/errors.js';
import { PauseController } from '../shared/pause.js';
import type { Engine } from './engine.js';
import type { WorkerPort } from './worker-port.js';

/** What the service needs of an engine (the real Engine, or a fake in a unit test). */
export type EngineHandlers = Pick<Engine, 'upscale' | 'probe' | 'inspect' | 'preview' | 'display' | 'inspectModel'>;

export function serveEngine(port: WorkerPort, createEngine: (config: EngineConfig) => EngineHandlers): void {
  let engine: EngineHandlers | undefined;
  const running = new Map<string, { controller: AbortController; pause: PauseController }>();
  const post = (message: WorkerMessage): void => port.post(message);

  async function run(id: string, call: () => Promise<WorkerMessage>): Promise<void> {
    try {
      post(await call());
    } catch (err) {
      post({ type: 'failure', id, error: toAppError(err).toJSON() });
    } finally {
      running.delete(id);
    }
  }

  port.onMessage((raw) => {
    const parsed = ClientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const error = new AppError('INTERNAL', `The engine worker received a message it does not understand: ${parsed.error.message}`);
      post({ type: 'protocol-error', error: error.toJSON() });
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'init':
        engine ??= createEngine(message.config);
        post({ type: 'ready', pid: process.pid });
        return;
      case 'cancel':
        running.get(message.id)?.controller.abort();
        return;
      case 'hold': {
        const pause = running.get(message.id)?.pause;
        if (message.paused) pause?.pause();
        else pause?.resume();
        return;
      }
      case 'request': {
        const { id, call } = message;
        if (!engine) {
          post({ type: 'failure', id, error: new AppError('INTERNAL', 'The engine worker got a request before init.').toJSON() });
          return;
        }
        const current = engine;
        const controller = new AbortController();
        const pause = new PauseController();
        running.set(id, { controller, pause });
        const onEvent = (event: EngineEvent): void => post({ type: 'event', id, event });
        const job = { signal: controller.signal, pause, onEvent };
        switch (call.method) {
          case 'upscale':
            void run(id, async () => ({ type: 'result', id, result: { method: 'upscale', value: await current.upscale(call.params, job) } }));
            break;
          case 'probe':
            void run(id, async () => ({ type: 'result', id, result: { method: 'probe', value: await current.probe(call.params) } }));
            break;
          case 'inspect':
            void run(id, async () => ({ type: 'result', id, result: { method: 'inspect', value: await current.inspect(call.params, job) } }));
            break;
          case 'preview':
            void run(id, async () => ({ type: 'result', id, result: { method: 'preview', value: await current.preview(call.params, job) } }));
            break;
          case 'display':
            void run(id, async () => ({ type: 'result', id, result: { method: 'display', value: await current.display(call.params, job) } }));
            break;
          case 'inspect-model':
            void run(id, async () => ({ type: 'result', id, result: { method: 'inspect-model', value: await current.inspectModel(call.params) } }));
            break;
        }
        return;
      }
    }
  });
}
