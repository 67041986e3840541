// Helpers for the fault-injection tests: start `tinysr` with the engine's test hook (TINYSR_TEST_PAUSE_AT, see
// electron/core/engine/fault-points.ts), wait for the engine to reach its point, kill what the test names, and list
// what a killed run may have left behind. Every wait is for a file or a process, never for a length of time.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FaultPoint, FaultPointReached } from '../../electron/core/engine/fault-points.js';
import { processAlive } from '../../electron/core/imageio/atomic.js';
import { packageRoot } from '../../electron/core/models/index.js';

export const ROOT = packageRoot();
export const BIN = path.join(ROOT, 'bin', 'tinysr.js');

/** How the tests end a run: SIGTERM to the command, or kill -9 of the command and its engine worker together. */
export type Kill = 'SIGTERM' | 'SIGKILL';

/** A pause between polls of the file system or a process (what is awaited is the condition, never the time). */
export const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 25));

export interface Running {
  child: ChildProcess;
  /** The exit code, or the signal's name when a signal ended it. */
  exited: Promise<number | string>;
  output(): string;
}

/** `node bin/tinysr.js ...args` in its own process group (so kill -9 can take the engine worker along). */
export function startTinysr(args: readonly string[], env: NodeJS.ProcessEnv): Running {
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: run `npm run build` first.');
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, exited, output: () => output };
}

/** The environment that makes the engine stop at `point` and announce it in `marker`. */
export function pauseAt(point: FaultPoint, marker: string): NodeJS.ProcessEnv {
  return { TINYSR_TEST_PAUSE_AT: point, TINYSR_TEST_PAUSE_FILE: marker };
}

/** Waits until the engine has written `marker` (it reached its fault point); fails if `run` ends first. */
export async function waitForPoint(marker: string, run: Running): Promise<FaultPointReached> {
  let ended = false;
  void run.exited.then(() => (ended = true));
  for (;;) {
    const text = await fs.readFile(marker, 'utf8').catch(() => undefined);
    if (text !== undefined) return JSON.parse(text) as FaultPointReached;
    if (ended) throw new Error(`tinysr ended before its engine reached the fault point:\n${run.output()}`);
    await tick();
  }
}

/** Waits until process `pid` has ended (a zombie counts as ended). */
export async function waitForProcessEnd(pid: number): Promise<void> {
  while (processAlive(pid)) await tick();
}

/** Kills as the test asks: SIGTERM to the command alone, or SIGKILL to its whole process group (command and worker). */
export function kill(run: Running, how: Kill): void {
  const pid = run.child.pid!;
  if (how === 'SIGTERM') process.kill(pid, 'SIGTERM');
  else process.kill(-pid, 'SIGKILL');
}

/** What a run leaves behind that it should not: hidden temp files in the output folder, profile folders in TMPDIR. */
export async function leftovers(outputDir: string, tempDir: string): Promise<string[]> {
  const temps = (await fs.readdir(outputDir).catch(() => [] as string[])).filter((name) => name.startsWith('.tinysr-'));
  const profiles = (await fs.readdir(tempDir).catch(() => [] as string[])).filter((name) => name.startsWith('tinysr-icc-'));
  return [...temps, ...profiles].sort();
}
