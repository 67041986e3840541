// Atomic output files: the encoder writes a hidden temp file in the target folder, which is renamed (or hard-linked,
// for no-clobber) into place only when complete. A reader never sees a half-written image; a failure or an abort
// leaves nothing behind; an existing file is never replaced unless the caller asked for it.
//
// May import: node:fs, node:path, node:crypto, ../shared, ./errors.

import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../shared/errors.js';
import { outputExists, outputFileError } from './errors.js';

export interface AtomicWriteOptions {
  /** Replace an existing file; otherwise OUTPUT_EXISTS. */
  overwrite: boolean;
  /** Checked after `write` and before the rename: an abort removes the temp file and throws CANCELLED. */
  signal?: AbortSignal | undefined;
}

/** Prefix of our temp files, so a crash's leftovers are recognisable (".tinysr-<target name>.<random>.tmp.<ext>"). */
export const TEMP_PREFIX = '.tinysr-';
/** How much of the target's name a temp name carries (keeps temp names within file-system name limits). */
const TARGET_NAME_CHARS = 80;

/**
 * Fails early (before any expensive work) when `file` could not be written: OUTPUT_EXISTS when it exists and
 * `overwrite` is false, OUTPUT_NOT_WRITABLE naming the folder when the folder cannot be created or written (checked by
 * really creating and removing a temp file, which also catches read-only mounts and works for root).
 */
export async function assertOutputWritable(file: string, options: { overwrite: boolean }): Promise<void> {
  await ensureFolder(file);
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
  try {
    await write(temp);
    throwIfAborted(options.signal, file);
    await commit(temp, file, options.overwrite);
  } catch (error) {
    throw isAppError(error) ? error : outputFileError(error, file);
  } finally {
    await rm(temp, { force: true });
  }
}

/** A hidden, unique name in the target folder; keeps the extension so tools that look at it are not confused, and
 * the target's name, so the leftovers of a writer killed mid-write can be found (`removeLeftoverTemps`). */
function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `${tempStem(file)}${randomBytes(6).toString('hex')}.tmp${path.extname(file)}`);
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

async function ensureFolder(file: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
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
