// What `queue/add` accepts: the files and folders the user dropped, picked or pasted, turned into image files to
// queue. The paths are expanded by core/imageio's scanImageInputs (folders by extension, sub-folders with `recursive`,
// hidden files and the caller's output folders skipped); a file is then kept when its extension is an image extension
// AND its first bytes are a format we decode (the header probe, which the engine process runs: this process never
// loads the image decoder). Files that are images by signature but damaged are still queued: their run fails with
// the decoder's precise reason, where the user sees it next to the file.
//
// May import: node:path, core/shared, core/engine (types), core/imageio (pure ./scan only).
import path from 'node:path';
import type { InputFormat, InspectRequest, InspectResult, JobOptions } from '../engine/index.js';
import { IMAGE_EXTENSIONS, scanImageInputs } from '../imageio/scan.js';
import { AppError, type AppErrorData, type ErrorCode } from '../shared/errors.js';

/** File extensions we decode (see core/imageio INPUT_FORMATS); re-exported for the app's file picker. */
export { IMAGE_EXTENSIONS };

export interface FoundImage {
  /** Absolute path. */
  path: string;
  /** Display size (orientation applied), when the header could be read. */
  size?: { width: number; height: number } | undefined;
  format?: InputFormat | undefined;
}

/** The engine's header probe (EngineClient.inspect, or a fake in unit tests). */
export interface ImageInspector {
  inspect(request: InspectRequest, options?: JobOptions): Promise<InspectResult>;
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
 * @param options.inspector the engine's header probe: the files are read in the engine process, never in this one.
 */
export async function findImages(paths: readonly string[], options: { recursive: boolean; inspector: ImageInspector; skipFolders: (dir: string) => boolean }): Promise<FoundInputs> {
  const scanned = await scanImageInputs(
    paths.map((given) => path.resolve(given)),
    { recursive: options.recursive, skipFolder: options.skipFolders },
  );
  const candidates: string[] = [];
  const rejected: FoundInputs['rejected'] = [];
  for (const entry of scanned) {
    if (entry.kind === 'missing') {
      rejected.push({ path: entry.path, error: new AppError('INPUT_NOT_FOUND', `"${entry.path}" does not exist; it may have been moved or deleted.`, { path: entry.path }).toJSON() });
    } else if (entry.named && !IMAGE_EXTENSIONS.has(path.extname(entry.path).toLowerCase())) {
      rejected.push({ path: entry.path, error: notImageExtension(entry.path).toJSON() });
    } else {
      candidates.push(entry.path);
    }
  }
  const images: FoundImage[] = [];
  const inspected = candidates.length === 0 ? [] : (await options.inspector.inspect({ paths: candidates })).images;
  for (const image of inspected) {
    if (image.ok) images.push({ path: image.path, size: { width: image.width, height: image.height }, format: image.format });
    else if (NOT_QUEUEABLE.has(image.error.code)) rejected.push({ path: image.path, error: image.error });
    else images.push({ path: image.path });
  }
  return { images, rejected };
}

function notImageExtension(file: string): AppError {
  return new AppError(
    'INPUT_NOT_IMAGE',
    `"${file}" does not have an image file extension (expected one of ${[...IMAGE_EXTENSIONS].join(', ')}); it was not added.`,
    { path: file },
  );
}
