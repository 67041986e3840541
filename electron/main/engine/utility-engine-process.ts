// Electron glue: the engine worker (dist/core/engine/worker-main.js) forked as an Electron utilityProcess, adapted
// to core/engine's EngineProcess, so EngineClient speaks the protocol over it. The worker finds `process.parentPort`
// and speaks the engine protocol over it (core/engine/worker-port.ts). Crash reasons come from app's
// `child-process-gone` (oom, crashed, launch-failed, ...), matched by a service name unique to each launch; the exit
// code alone says only clean or not.
//
// May import: electron, node:fs, core/shared (errors), core/engine (EngineProcess types, output tail).
import { app, utilityProcess, type Details } from 'electron';
import { existsSync } from 'node:fs';
import { keepOutputLines, type EngineExit, type EngineExitReason, type EngineProcess, type SpawnEngineProcess } from '../../core/engine/index.js';
import { AppError } from '../../core/shared/errors.js';

export function utilityEngineSpawner(workerPath: string): SpawnEngineProcess {
  let launches = 0;
  return () => {
    if (!existsSync(workerPath)) {
      throw new AppError('ENGINE_CRASHED', `The engine worker ${workerPath} does not exist; run \`npm run build\` first.`, { path: workerPath });
    }
    return forkEngine(workerPath, `TinySR engine #${++launches}`);
  };
}

function forkEngine(workerPath: string, serviceName: string): EngineProcess {
  const child = utilityProcess.fork(workerPath, [], { serviceName, stdio: 'pipe' });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => keepOutputLines(output, chunk));

  let goneReason: EngineExitReason | undefined;
  const onGone = (_event: Electron.Event, details: Details): void => {
    if (details.type === 'Utility' && details.serviceName === serviceName) goneReason = details.reason;
  };
  app.on('child-process-gone', onGone);

  const exitListeners: ((exit: EngineExit) => void)[] = [];
  child.once('exit', (code) => {
    app.off('child-process-gone', onGone);
    const exit: EngineExit = { reason: goneReason ?? (code === 0 ? 'clean-exit' : 'abnormal-exit'), code, output: [...output] };
    for (const listener of exitListeners) listener(exit);
  });

  return {
    get pid() {
      return child.pid;
    },
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void exitListeners.push(listener),
    // utilityProcess.kill() only sends SIGTERM, which a process busy in onnxruntime takes over a second to act on.
    kill: (options) => {
      if (options?.now === true && child.pid !== undefined && process.platform !== 'win32') process.kill(child.pid, 'SIGKILL');
      else child.kill();
    },
  };
}
