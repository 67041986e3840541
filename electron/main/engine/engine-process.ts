// The main process's view of one engine process: post a message, hear its messages and its exit, kill it. Electron's
// utilityProcess is adapted to this in utility-engine-process.ts; unit tests use an in-memory process. Keeping the
// interface this small is what lets the connection and supervisor be tested without Electron.
//
// May import: core/shared (types).
import type { ClientMessage } from '../../core/shared/engine-protocol.js';

/**
 * Why an engine process ended, in Electron's `child-process-gone` vocabulary where it is known:
 * `clean-exit` (code 0), `abnormal-exit` (non-zero code), `killed`, `crashed`, `oom`, `launch-failed`, `integrity-failure`,
 * `memory-eviction` (the OS reclaimed it under memory pressure).
 */
export type EngineExitReason =
  | 'clean-exit'
  | 'abnormal-exit'
  | 'killed'
  | 'crashed'
  | 'oom'
  | 'launch-failed'
  | 'integrity-failure'
  | 'memory-eviction';

export interface EngineExit {
  reason: EngineExitReason;
  /** Exit code, when the process reported one. */
  code: number | null;
  /** The process's last output lines (stderr/stdout), newest last. */
  output: string[];
}

export interface EngineProcess {
  readonly pid: number | undefined;
  postMessage(message: ClientMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, when the process has ended for whatever reason (including failing to start). */
  onExit(listener: (exit: EngineExit) => void): void;
  kill(): void;
}

export type SpawnEngineProcess = () => EngineProcess;

/** A sentence for users: what happened to the engine process. */
export function describeEngineExit(exit: EngineExit): string {
  const code = exit.code === null ? '' : ` (exit code ${exit.code})`;
  const what: Record<EngineExitReason, string> = {
    'clean-exit': 'stopped',
    'abnormal-exit': `exited abnormally${code}`,
    killed: `was killed${code}`,
    crashed: `crashed${code}`,
    oom: 'ran out of memory',
    'launch-failed': 'could not be started',
    'integrity-failure': 'failed its code integrity check',
    'memory-eviction': 'was stopped by the system to free memory',
  };
  const tail = exit.output.length ? ` Last output: ${exit.output.slice(-3).join(' | ')}` : '';
  return `The engine process ${what[exit.reason]}.${tail}`;
}
