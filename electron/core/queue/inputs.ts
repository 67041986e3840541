// What `queue/add` accepts: the files and folders the user dropped, picked or pasted, turned into image files to
// queue. A file is kept when its extension is an image extension AND its first bytes are a format we decode (the
// header probe); folders are scanned (sub-folders with `recursive`), skipping hidden files and anything that is not an
// image by extension. Files that are images by signature but damaged are still queued: their run fails with the
// decoder's precise reason, where the user sees it next to the file.
//
// May import: node:fs, node:path, core/shared, core/imageio.
import fs from 'node:fs/promises';
import path from 'node:path';
import { readImageInfo, type InputFormat } from '../imageio/index.js';
import { AppError, toAppError, type AppErrorData, type ErrorCode } from '../shared/errors.js';

/** File extensions we decode (see core/imageio INPUT_FORMATS). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.jfif', '.png', '.webp', '.tif', '.tiff', '.avif', '.gif']);

export interface FoundImage {
  /** Absolute path. */
  path: string;
  /** Display size (orientation applied), when the header could be read. */
  size?: { width: number; height: number } | undefined;
  format?: InputFormat | undefined;
}

export interface FoundInputs {
  images: FoundImage[];
  rejected: { path: string; error: AppErrorData }[];
}

/** Errors that mean "this is not an image we could ever run": such files are not queued. */
const NOT_QUEUEABLE: ReadonlySet<ErrorCode> = new Set(['INPUT_NOT_FOUND', 'INPUT_UNREADABLE', 'INPUT_EMPTY', 'INPUT_NOT_IMAGE', 'INPUT_UNSUPPORTED_FORMAT']);

/**
 * @param options.skipFolders folders a scan never enters (output folders: re-adding a folder must not queue its
 * own upscaled results).
 */
export async function findImages(paths: readonly string[], options: { recursive: boolean; skipFolders: (dir: string) => boolean }): Promise<FoundInputs> {
  const candidates: string[] = [];
  const rejected: FoundInputs['rejected'] = [];
  for (const given of paths) {
    const absolute = path.resolve(given);
    const stat = await fs.stat(absolute).catch(() => undefined);
    if (!stat) {
      rejected.push({ path: absolute, error: new AppError('INPUT_NOT_FOUND', `"${absolute}" does not exist; it may have been moved or deleted.`, { path: absolute }).toJSON() });
    } else if (stat.isDirectory()) {
      await scanFolder(absolute, options, candidates);
    } else if (!IMAGE_EXTENSIONS.has(path.extname(absolute).toLowerCase())) {
      rejected.push({ path: absolute, error: notImageExtension(absolute).toJSON() });
    } else {
      candidates.push(absolute);
    }
  }
  const images: FoundImage[] = [];
  for (const file of [...new Set(candidates)]) {
    try {
      const info = await readImageInfo(file);
      images.push({ path: file, size: { width: info.width, height: info.height }, format: info.format });
    } catch (error) {
      const appError = toAppError(error, 'INPUT_UNREADABLE', file);
      if (NOT_QUEUEABLE.has(appError.code)) rejected.push({ path: file, error: appError.toJSON() });
      else images.push({ path: file });
    }
  }
  return { images, rejected };
}

async function scanFolder(dir: string, options: { recursive: boolean; skipFolders: (dir: string) => boolean }, into: string[]): Promise<void> {
  const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue; // hidden files, and the engine's own temp files
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (options.recursive && !options.skipFolders(full)) await scanFolder(full, options, into);
    } else if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      into.push(full);
    }
  }
}

function notImageExtension(file: string): AppError {
  return new AppError(
    'INPUT_NOT_IMAGE',
    `"${file}" does not have an image file extension (expected one of ${[...IMAGE_EXTENSIONS].join(', ')}); it was not added.`,
    { path: file },
  );
}
