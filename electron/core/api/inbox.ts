// Browser mode's uploads: a file the page sends (dropped or picked; a web page never learns its path) is streamed
// into the data folder's `inbox/<session>/`, one folder per server session, under a sanitised name, and refused past
// MAX_UPLOAD_BYTES without keeping a partial file. Session folders that no queued item uses any more are removed at
// the next start; the outputs of uploaded images go beside them (`upscaled/`) unless an output folder is set, and
// reach the user by download.
//
// May import: node:crypto, node:fs, node:path, node:stream, core/shared.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../shared/errors.js';

/** Largest upload: a 100 MP 16-bit TIFF is about 600 MB; photos are far below this. */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
const MAX_NAME_LENGTH = 120;

/**
 * A file name safe on every OS: the last path segment only, no control or reserved characters, no leading dots or
 * trailing dots and spaces, not empty and not longer than MAX_NAME_LENGTH (the extension kept).
 */
export function sanitiseFileName(given: string): string {
  const base = given.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  let name = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(name)) name = `_${name}`;
  if (name.length > MAX_NAME_LENGTH) {
    const ext = path.extname(name).slice(0, 12);
    name = `${name.slice(0, MAX_NAME_LENGTH - ext.length)}${ext}`;
  }
  return name === '' ? 'upload' : name;
}

/** Streams `body` into a new file `target`, refused past `maxBytes` (`name` in the messages); nothing is left on failure. */
export async function writeLimited(body: AsyncIterable<Uint8Array>, target: string, maxBytes: number, name: string): Promise<void> {
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) {
        done(new AppError('INVALID_ARGUMENT', `"${name}" is larger than ${formatLimit(maxBytes)}, the most one upload may be.`, { details: { argument: 'file', limit: maxBytes } }));
        return;
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, limit, createWriteStream(target, { flags: 'wx' }));
  } catch (error) {
    await fs.rm(target, { force: true });
    throw error instanceof AppError ? error : new AppError('INVALID_ARGUMENT', `The upload of "${name}" did not finish: ${(error as Error).message}.`, { cause: error });
  }
}

function formatLimit(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GB` : `${Math.round(bytes / 1024)} KB`;
}

export class Inbox {
  /** This session's folder; created on the first upload. */
  readonly folder: string;

  constructor(
    private readonly root: string,
    private readonly maxBytes = MAX_UPLOAD_BYTES,
  ) {
    this.folder = path.join(root, `${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`);
  }

  /** Removes the session folders none of `inUse` (paths of queued items) is inside. */
  async removeUnused(inUse: readonly string[]): Promise<void> {
    const sessions = await fs.readdir(this.root).catch(() => [] as string[]);
    for (const session of sessions) {
      const folder = path.join(this.root, session);
      if (!inUse.some((file) => file.startsWith(`${folder}${path.sep}`))) await fs.rm(folder, { recursive: true, force: true });
    }
  }

  /** Streams `body` into this session's folder as `name` (sanitised; "name (2).ext" when taken). Returns the path. */
  async receive(name: string, body: AsyncIterable<Uint8Array>): Promise<string> {
    await fs.mkdir(this.folder, { recursive: true });
    const clean = sanitiseFileName(name);
    const target = await this.freeName(clean);
    await writeLimited(body, target, this.maxBytes, clean);
    return target;
  }

  private async freeName(name: string): Promise<string> {
    const ext = path.extname(name);
    const stem = name.slice(0, name.length - ext.length);
    for (let n = 1; ; n++) {
      const candidate = path.join(this.folder, n === 1 ? name : `${stem} (${n})${ext}`);
      try {
        await fs.access(candidate);
      } catch {
        return candidate;
      }
    }
  }
}
