// Atomic output files: the encoder writes a hidden temp file in the target folder, which is renamed (or hard-linked,
// for no-clobber) into place only when complete. A reader never sees a half-written image; a failure or an abort
// leaves nothing behind; an existing file is never replaced unless the caller asked for it.
//
// What a killed writer leaves is found again three ways: the temp paths a process has in flight are listed here, so
// its exit handler can remove them (removeTempsInFlight: the engine worker, when its parent goes away or asks it to
// end); the owner of a job whose writer died removes that output's temps (removeLeftoverTemps); and before writing
// into a folder the engine sweeps the temps there whose writer process is gone (sweepOrphanedTemps: kill -9 of both).
//
// May import: node:fs, node:path, node:crypto, ../shared, ./errors.

import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../shared/errors.js';
import { outputExists, outputFileError } from './errors.js';

export interface AtomicWriteOptions {
  /** Replace an existing file; otherwise OUTPUT_EXISTS. */
  overwrite: boolean;
  /** Checked after `write` and before the rename: an abort removes the temp file and throws CANCELLED. */
  signal?: AbortSignal | undefined;
  /** Awaited when the temp file is complete, before the rename (the engine's fault-injection point `encode`). */
  beforeCommit?: (() => Promise<void>) | undefined;
}

/** Prefix of our temp files, so a crash's leftovers are recognisable (".tinysr-<target name>.<pid>-<random>.tmp.<ext>"). */
export const TEMP_PREFIX = '.tinysr-';
/** How much of the target's name a temp name carries (keeps temp names within file-system name limits). */
const TARGET_NAME_CHARS = 80;
/** Exactly the names tempPathFor makes; the writer's pid is group 1. Nothing else is ever swept. */
const TEMP_NAME = /^\.tinysr-.*\.([1-9][0-9]*)-[0-9a-f]{12}\.tmp(\.[A-Za-z0-9]+)?$/;

/** Temp files and folders this process created and has not removed yet. */
const inFlight = new Set<string>();

/** Marks `file` (a temp file or folder) as this process's until `release`: removeTempsInFlight removes it. */
export function holdTemp(file: string): void {
  inFlight.add(file);
}

export function releaseTemp(file: string): void {
  inFlight.delete(file);
}

/**
 * Removes every temp this process has in flight, synchronously: for an exit handler, where no promise gets to settle
 * (a writer killed mid-encode leaves a complete-looking hidden file otherwise).
 */
export function removeTempsInFlight(): void {
  for (const file of inFlight) rmSync(file, { recursive: true, force: true });
  inFlight.clear();
}

/** When this process started, in ms since the epoch: temps older than that cannot be ones it is writing. */
const PROCESS_STARTED_MS = Date.now() - process.uptime() * 1000;

/**
 * Whether a process with this id runs on this machine (EPERM: it does, as another user). A zombie (killed, not yet
 * reaped: containers whose init never reaps) has ended and writes nothing, so on Linux it counts as gone.
 */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (command) state ..."; the command may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS, Windows): kill(0) said it exists
  }
}

/**
 * Whether a temp named with `pid` and last changed at `mtimeMs` is an orphan: older than this process and its writer
 * gone. A live writer's temp (another engine writing into the same folder) is never touched.
 */
export function isOrphan(pid: number, mtimeMs: number): boolean {
  return mtimeMs < PROCESS_STARTED_MS && !processAlive(pid);
}

/**
 * Removes the temp files in `folder` that a writer killed outright left behind (our exact naming pattern, older than
 * this process, writer process gone). Returns the names removed. A missing or unreadable folder is fine.
 */
export async function sweepOrphanedTemps(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = TEMP_NAME.exec(name)?.[1];
    if (pid === undefined) continue;
    const file = path.join(folder, name);
    const info = await stat(file).catch(() => undefined);
    if (info === undefined || !info.isFile() || !isOrphan(Number(pid), info.mtimeMs)) continue;
    await rm(file, { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Fails early (before any expensive work) when `file` could not be written: OUTPUT_EXISTS when it exists and
 * `overwrite` is false, OUTPUT_NOT_WRITABLE naming the folder when the folder cannot be created or written (checked by
 * really creating and removing a temp file, which also catches read-only mounts and works for root).
 */
export async function assertOutputWritable(file: string, options: { overwrite: boolean }): Promise<CreatedFolders> {
  const created = await ensureFolder(file);
  try {
    if (!options.overwrite && (await exists(file))) throw outputExists(file);
    const probe = tempPathFor(file);
    try {
      const handle = await open(probe, 'wx');
      await handle.close();
    } catch (error) {
      throw outputFileError(error, file);
    } finally {
      await rm(probe, { force: true });
    }
  } catch (error) {
    await created.removeIfEmpty();
    throw error;
  }
  return created;
}

/** The folders a write created on the way to its file, to be removed again when the job fails. */
export interface CreatedFolders {
  /** Removes the created folders that are still empty, deepest first; never a folder that existed before. */
  removeIfEmpty(): Promise<void>;
}

/**
 * Runs `write(tempPath)` then moves the temp file to `file`. Errors from `write` that are not AppErrors are mapped
 * to OUTPUT_NOT_WRITABLE; the temp file is removed on every failure path.
 */
export async function writeFileAtomically(file: string, options: AtomicWriteOptions, write: (tempPath: string) => Promise<void>): Promise<void> {
  throwIfAborted(options.signal, file);
  await ensureFolder(file);
  if (!options.overwrite && (await exists(file))) throw outputExists(file);
  const temp = tempPathFor(file);
  holdTemp(temp);
  try {
    await write(temp);
    await options.beforeCommit?.();
    throwIfAborted(options.signal, file);
    await commit(temp, file, options.overwrite);
  } catch (error) {
    throw isAppError(error) ? error : outputFileError(error, file);
  } finally {
    await rm(temp, { force: true });
    releaseTemp(temp);
  }
}

/** A hidden, unique name in the target folder; keeps the extension so tools that look at it are not confused, and
 * the target's name, so the leftovers of a writer killed mid-write can be found (`removeLeftoverTemps`). */
function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `${tempStem(file)}${process.pid}-${randomBytes(6).toString('hex')}.tmp${path.extname(file)}`);
}

function tempStem(file: string): string {
  return `${TEMP_PREFIX}${path.basename(file).slice(0, TARGET_NAME_CHARS)}.`;
}

/**
 * Removes the temp files that a writer of `file` left behind when it was killed mid-write: a crashed engine cannot
 * run its own cleanup, so whoever owned the job does it. A missing folder is fine (nothing was written).
 */
export async function removeLeftoverTemps(file: string): Promise<void> {
  const folder = path.dirname(file);
  const stem = tempStem(file);
  const names = await readdir(folder).catch(() => [] as string[]);
  await Promise.all(
    names.filter((name) => name.startsWith(stem) && name.includes('.tmp')).map((name) => rm(path.join(folder, name), { force: true })),
  );
}

async function commit(temp: string, file: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    await rename(temp, file);
    return;
  }
  // link() fails with EEXIST if the target appeared meanwhile: no-clobber without a check-then-rename race.
  try {
    await link(temp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw outputExists(file);
    // File systems without hard links (FAT, exFAT, some network shares): fall back to check-then-rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    if (await exists(file)) throw outputExists(file);
    await rename(temp, file);
  }
}

async function ensureFolder(file: string): Promise<CreatedFolders> {
  const folder = path.dirname(file);
  try {
    const first = await mkdir(folder, { recursive: true });
    return {
      removeIfEmpty: async () => {
        if (first === undefined) return;
        // rmdir refuses a folder that is not empty: whatever another writer put there stays, with its folders.
        for (let dir = folder; dir.length >= first.length; dir = path.dirname(dir)) {
          if (!(await rmdir(dir).then(() => true, () => false))) return;
          if (dir === first) return;
        }
      },
    };
  } catch (error) {
    // mkdir over an existing *file* reports EEXIST; for the caller that is "part of the path is a file".
    const code = (error as NodeJS.ErrnoException).code;
    throw outputFileError(code === 'EEXIST' ? Object.assign(new Error(String(error)), { code: 'ENOTDIR' }) : error, file);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw outputFileError(error, file);
  }
}

function throwIfAborted(signal: AbortSignal | undefined, file: string): void {
  if (signal?.aborted) throw new AppError('CANCELLED', `Writing "${file}" was cancelled; no file was written.`, { path: file });
}
