// Turns file-system and sharp/libvips failures into AppErrors with stable codes and messages that name the file, say
// what went wrong and what to do. Pure: works on the thrown value plus what we already know (the path, the sniffed
// format), so the mapping is unit-tested without touching a disk.
//
// May import: node:path, ../shared, ./formats, ./types.

import path from 'node:path';
import { AppError } from '../shared/errors.js';
import type { SniffedFormat } from './formats.js';
import { INPUT_FORMATS } from './types.js';

const SUPPORTED_LIST = INPUT_FORMATS.map((f) => f.toUpperCase()).join(', ');

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The first line of a libvips message (they repeat themselves over many lines), without the file path prefix. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n').find((line) => line.trim() !== '') ?? message).trim();
}

/** A failure to stat/open/read an input file. */
export function inputFileError(error: unknown, file: string): AppError {
  const code = errnoCode(error);
  const details = { errno: code, reason: firstLine(error) };
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new AppError('INPUT_NOT_FOUND', `Input file "${file}" does not exist. Check the path.`, { path: file, details, cause: error });
    case 'EISDIR':
      return new AppError('INPUT_UNREADABLE', `Input "${file}" is a folder, not an image file. Pass the files inside it (or use --recursive).`, { path: file, details, cause: error });
    case 'EACCES':
    case 'EPERM':
      return new AppError('INPUT_UNREADABLE', `Input file "${file}" cannot be read: permission denied. Give your user read access to it.`, { path: file, details, cause: error });
    default:
      return new AppError('INPUT_UNREADABLE', `Input file "${file}" cannot be read (${details.reason}). Check that it is a local file you can open.`, { path: file, details, cause: error });
  }
}

/** A sharp failure while reading the header or decoding the pixels of a file whose first bytes we sniffed. */
export function decodeError(error: unknown, file: string, sniffed: SniffedFormat): AppError {
  const reason = firstLine(error);
  const details = { reason, sniffed: sniffed.kind === 'unknown' ? undefined : sniffed.format };
  if (/exceeds pixel limit/i.test(reason)) {
    return new AppError('INPUT_TOO_LARGE', `Input "${file}" has more pixels than the configured limit. If you trust this file, raise the limit (\`tinysr upscale --max-megapixels <n>\`, the \`maxMegapixels\` setting in the app).`, { path: file, details, cause: error });
  }
  if (/Input file is missing/i.test(reason)) return inputFileError(Object.assign(new Error(reason), { code: 'ENOENT' }), file);
  if (sniffed.kind === 'unknown') return notAnImage(file);
  if (sniffed.kind === 'unsupported') return unsupportedFormat(file, sniffed.format);
  return new AppError('INPUT_CORRUPT', `Input "${file}" looks like a ${sniffed.format.toUpperCase()} file but cannot be decoded (${reason}); it is probably truncated or damaged. Re-export or re-download it.`, {
    path: file,
    details,
    cause: error,
  });
}

export function notAnImage(file: string): AppError {
  return new AppError('INPUT_NOT_IMAGE', `Input "${file}" is not an image file (its contents match no image format). Supported: ${SUPPORTED_LIST}.`, { path: file });
}

export function unsupportedFormat(file: string, format: string): AppError {
  return new AppError('INPUT_UNSUPPORTED_FORMAT', `Input "${file}" is a ${format.toUpperCase()} image, which is not supported. Convert it to one of ${SUPPORTED_LIST}.`, {
    path: file,
    details: { format, supported: [...INPUT_FORMATS] },
  });
}

export function emptyFile(file: string): AppError {
  return new AppError('INPUT_EMPTY', `Input file "${file}" is empty (0 bytes). It may still be downloading or syncing; try again once it is complete.`, { path: file });
}

/** A failure to create, write or rename an output file. `file` is the final output path. */
export function outputFileError(error: unknown, file: string): AppError {
  const code = errnoCode(error) ?? errnoFromMessage(error instanceof Error ? error.message : String(error));
  const folder = path.dirname(file);
  const details = { errno: code, reason: firstLine(error), folder };
  switch (code) {
    case 'EEXIST':
      return outputExists(file);
    case 'ENOSPC':
    case 'EDQUOT':
      return new AppError('OUTPUT_NOT_WRITABLE', `Cannot write "${file}": the disk holding "${folder}" is full. Free some space or choose another output folder.`, { path: file, details, cause: error });
    case 'ENOTDIR':
      return new AppError('OUTPUT_NOT_WRITABLE', `Cannot write into "${folder}": part of that path is a file, not a folder. Choose another output folder.`, { path: file, details, cause: error });
    case 'ENOENT':
      return new AppError('OUTPUT_NOT_WRITABLE', `Cannot write into "${folder}": the folder does not exist and could not be created. Choose another output folder.`, { path: file, details, cause: error });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new AppError('OUTPUT_NOT_WRITABLE', `Cannot write into "${folder}": it is read-only or you lack permission. Choose another output folder or change its permissions.`, { path: file, details, cause: error });
    default:
      return new AppError('OUTPUT_NOT_WRITABLE', `Cannot write "${file}" (${details.reason}). Check the output folder "${folder}".`, { path: file, details, cause: error });
  }
}

/** A failure inside the encoder: an I/O failure (libvips reports errno as text) or the codec refusing the image. */
export function encodeError(error: unknown, file: string, format: string): AppError {
  const message = error instanceof Error ? error.message : String(error);
  if (errnoCode(error) !== undefined || errnoFromMessage(message) !== undefined) return outputFileError(error, file);
  return new AppError('INTERNAL', `Encoding "${file}" as ${format.toUpperCase()} failed (${firstLine(error)}). Try another output format.`, {
    path: file,
    details: { format, reason: firstLine(error) },
    cause: error,
  });
}

export function outputExists(file: string): AppError {
  return new AppError('OUTPUT_EXISTS', `Output "${file}" already exists. Allow overwriting, skip existing files, or change the name template.`, { path: file });
}

// libvips reports write failures as text ("system error: Not a directory"), not as errno codes.
const SYSTEM_ERROR_CODES: ReadonlyArray<[RegExp, string]> = [
  [/No such file or directory/i, 'ENOENT'],
  [/Not a directory/i, 'ENOTDIR'],
  [/Permission denied/i, 'EACCES'],
  [/Operation not permitted/i, 'EPERM'],
  [/Read-only file system/i, 'EROFS'],
  [/No space left on device/i, 'ENOSPC'],
  [/Disk quota exceeded/i, 'EDQUOT'],
  // Any other failure to open or write the file is still about the output location, not the image.
  [/unable to open (file )?for writ|write error/i, 'EIO'],
];

function errnoFromMessage(message: string): string | undefined {
  return SYSTEM_ERROR_CODES.find(([pattern]) => pattern.test(message))?.[1];
}
