// EngineClient's default transport: the engine worker (dist/core/engine/worker-main.js) started with
// child_process.fork, adapted to EngineProcess. Used by the CLI, the browser-mode server and the integration tests;
// the Electron app uses a utilityProcess instead (electron/main/engine/utility-engine-process.ts).
//
// May import: node:child_process, node:fs, core/shared (errors), ./engine-process.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AppError } from '../shared/errors.js';
import { keepOutputLines, type EngineExit, type EngineExitReason, type SpawnEngineProcess } from './engine-process.js';

/** How long a worker asked to stop may take before it is killed outright. */
const STOP_GRACE_MS = 3000;

/** Signals that mean the process itself failed, not that someone ended it. */
const CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE', 'SIGTRAP']);

function exitReason(code: number | null, signal: string | null): EngineExitReason {
  if (signal) return CRASH_SIGNALS.has(signal) ? 'crashed' : 'killed';
  return code === 0 ? 'clean-exit' : 'abnormal-exit';
}

/** Each call forks a fresh worker; throws ENGINE_CRASHED when the worker file is missing (not built). */
export function forkEngineSpawner(workerPath: string, execArgv: readonly string[] = []): SpawnEngineProcess {
  return () => {
    if (!existsSync(workerPath)) {
      throw new AppError('ENGINE_CRASHED', `The engine worker ${workerPath} does not exist; run \`npm run build\` first.`, { path: workerPath });
    }
    const child = fork(workerPath, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [...execArgv], serialization: 'json' });
    const output: string[] = [];
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => keepOutputLines(output, chunk));

    const exitListeners: ((exit: EngineExit) => void)[] = [];
    let ended = false;
    let forceKill: NodeJS.Timeout | undefined;
    const end = (exit: EngineExit): void => {
      if (ended) return;
      ended = true;
      clearTimeout(forceKill);
      for (const listener of exitListeners) listener(exit);
    };
    child.on('exit', (code, signal) => end({ reason: exitReason(code, signal), code, signal, output: [...output] }));
    child.on('error', (err) => {
      // Without a pid it never started (and 'exit' may never come); otherwise the error joins the output the crash
      // message shows, and the process's own 'exit' reports the end.
      if (child.pid === undefined) end({ reason: 'launch-failed', code: null, signal: null, output: [...output, `${workerPath}: ${err.message}`] });
      else keepOutputLines(output, Buffer.from(err.message));
    });

    return {
      get pid() {
        return child.pid;
      },
      postMessage: (message) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void exitListeners.push(listener),
      kill: (options) => {
        if (ended) return;
        child.kill(options?.now === true ? 'SIGKILL' : 'SIGTERM');
        forceKill ??= setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      },
    };
  };
}
