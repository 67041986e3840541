// The caller's view of one engine process, whatever started it: post a message, hear its messages and its end, kill
// it. EngineClient speaks the protocol over this; the default transport is child_process.fork (fork-engine-process.ts),
// the app's is Electron's utilityProcess (electron/main/engine/utility-engine-process.ts), unit tests use an in-memory
// one. Keeping the interface this small is what lets one protocol implementation serve every host.
//
// May import: core/shared (types).
import type { ClientMessage } from '../shared/engine-protocol.js';

/**
 * Why an engine process ended, in Electron's `child-process-gone` vocabulary (child_process.fork maps onto it):
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
  /** The signal that ended it, when the host reports one (child_process does, utilityProcess does not). */
  signal?: string | null | undefined;
  /** The process's last output lines (stderr/stdout), newest last. */
  output: string[];
}

export interface EngineProcess {
  readonly pid: number | undefined;
  postMessage(message: ClientMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, when the process has ended for whatever reason (including failing to start). */
  onExit(listener: (exit: EngineExit) => void): void;
  /**
   * Ends the process; it reports its end through onExit. `now`: at once (SIGKILL where there are signals), for a
   * process stuck inside a model run that must stop without delay (a SIGTERM there took over a second to land).
   */
  kill(options?: { now?: boolean }): void;
}

/** Starts one engine process; throws an AppError when it cannot even be started (e.g. the worker file is missing). */
export type SpawnEngineProcess = () => EngineProcess;

/** How many output lines a transport keeps for the crash message. */
export const OUTPUT_LINES_KEPT = 20;

/** Appends a chunk of process output to `lines`, keeping the last OUTPUT_LINES_KEPT non-blank lines. */
export function keepOutputLines(lines: string[], chunk: Buffer): void {
  lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
  lines.splice(0, Math.max(0, lines.length - OUTPUT_LINES_KEPT));
}

/** A sentence for users: what happened to the engine process. */
export function describeEngineExit(exit: EngineExit): string {
  const code = exit.code === null ? '' : ` (exit code ${exit.code})`;
  const signal = exit.signal ? ` by ${exit.signal}` : '';
  const what: Record<EngineExitReason, string> = {
    'clean-exit': 'stopped',
    'abnormal-exit': `exited abnormally${code}`,
    killed: `was killed${signal}${code}`,
    crashed: `crashed${exit.signal ? ` (${exit.signal})` : code}`,
    oom: 'ran out of memory',
    'launch-failed': 'could not be started',
    'integrity-failure': 'failed its code integrity check',
    'memory-eviction': 'was stopped by the system to free memory',
  };
  // A SIGKILL nobody asked for is, on Linux, almost always the kernel's out-of-memory killer.
  const hint = exit.signal === 'SIGKILL' ? ' (on Linux usually the out-of-memory killer: try a smaller tile or a smaller image)' : '';
  const tail = exit.output.length ? ` Last output: ${exit.output.slice(-3).join(' | ')}` : '';
  return `The engine process ${what[exit.reason]}${hint}.${tail}`;
}
