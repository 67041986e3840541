// One JSON document in the app's data folder (settings, the persisted queue): read and validated against a schema,
// written atomically (temp file + rename, via core/imageio's writer) so a crash mid-write never leaves half a file,
// saves serialised so an older state never overwrites a newer one.
//
// May import: node:fs, zod, core/shared, core/imageio (pure ./atomic only: atomic writes).
import fs from 'node:fs/promises';
import type { z } from 'zod';
import path from 'node:path';
import { sweepOrphanedTemps, writeFileAtomically } from '../imageio/atomic.js';
import { describeIssues } from '../shared/describe-issues.js';
import { AppError, type AppErrorData } from '../shared/errors.js';

/** What a load found: the value (parsed, or the fallback) and, when the file was unusable, why. */
export interface LoadedDocument<T> {
  value: T;
  /** Set when the file existed but could not be used; the fallback was returned instead. */
  problem?: AppErrorData | undefined;
  /** False when there was no file yet. */
  existed: boolean;
}

export class JsonDocument<S extends z.ZodType> {
  private saving: Promise<void> = Promise.resolve();

  /** @param what names the document in messages ("settings", "queue"). */
  constructor(
    readonly file: string,
    private readonly schema: S,
    private readonly what: string,
  ) {}

  /**
   * Reads the file; a missing file gives `fallback()`, a damaged or invalid one gives `fallback()` plus the problem.
   * The temp files a process killed mid-save left in the folder are removed first (see sweepOrphanedTemps).
   */
  async load(fallback: () => z.output<S>): Promise<LoadedDocument<z.output<S>>> {
    await sweepOrphanedTemps(path.dirname(this.file));
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { value: fallback(), existed: false };
      return { value: fallback(), existed: true, problem: this.problem(`cannot be read (${(error as Error).message})`) };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return { value: fallback(), existed: true, problem: this.problem(`is not valid JSON (${(error as Error).message})`) };
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) {
      return { value: fallback(), existed: true, problem: this.problem(`does not match its schema: ${describeIssues(parsed.error.issues, this.what).join('; ')}`) };
    }
    return { value: parsed.data, existed: true };
  }

  /**
   * Writes `value` atomically after any save in flight; resolves when this value is on disk. `mode` sets the file's
   * permissions from its creation on (0o600 for a secret), before anything is in it.
   */
  save(value: z.output<S>, mode?: number): Promise<void> {
    const text = `${JSON.stringify(value, null, 2)}\n`;
    const next = this.saving.then(() =>
      writeFileAtomically(this.file, { overwrite: true }, (temp) => fs.writeFile(temp, text, { encoding: 'utf8', ...(mode === undefined ? {} : { mode }) })),
    );
    // A failed save must not block the next one; the caller of this save still sees the error.
    this.saving = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every save started so far has ended. */
  flush(): Promise<void> {
    return this.saving;
  }

  private problem(what: string): AppErrorData {
    return new AppError('INVALID_ARGUMENT', `The ${this.what} file ${this.file} ${what}; it was ignored and the defaults are used. The next save replaces it.`, {
      path: this.file,
    }).toJSON();
  }
}
