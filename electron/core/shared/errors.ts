// Errors are data: a stable code, the file or argument at fault, and a message that says what was expected and what
// to do. They cross process boundaries as plain JSON (`toJSON` / `AppError.fromJSON`) and are shown to users as-is,
// never as a stack trace.
//
// May import: nothing (pure TS, imported by every layer).

export const ERROR_CODES = [
  // inputs
  'INPUT_NOT_FOUND',
  'INPUT_UNREADABLE',
  'INPUT_EMPTY',
  'INPUT_NOT_IMAGE',
  'INPUT_UNSUPPORTED_FORMAT',
  'INPUT_CORRUPT',
  'INPUT_TOO_LARGE',
  // outputs
  'OUTPUT_EXISTS',
  'OUTPUT_NOT_WRITABLE',
  // models
  'MODEL_NOT_FOUND',
  'MODEL_MANIFEST_INVALID',
  'MODEL_FILE_MISSING',
  'MODEL_CHECKSUM_MISMATCH',
  'MODEL_LOAD_FAILED',
  // execution
  'PROVIDER_UNAVAILABLE',
  'OUT_OF_MEMORY',
  'INFERENCE_FAILED',
  'CANCELLED',
  'ENGINE_CRASHED',
  // callers
  'INVALID_ARGUMENT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorData {
  code: ErrorCode;
  message: string;
  /** The file (input image, output path, model folder) the error is about, when there is one. */
  path?: string | undefined;
  /** Extra machine-readable facts (expected/actual values, provider names, ...). */
  details?: Record<string, unknown> | undefined;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { path?: string | undefined; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.path = options.path;
    this.details = options.details;
  }

  toJSON(): AppErrorData {
    return { code: this.code, message: this.message, path: this.path, details: this.details };
  }

  static fromJSON(data: AppErrorData): AppError {
    return new AppError(isErrorCode(data.code) ? data.code : 'INTERNAL', data.message, {
      path: data.path,
      ...(data.details === undefined ? {} : { details: data.details }),
    });
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Any thrown value as an AppError: AppErrors pass through, anything else becomes INTERNAL with its message kept. */
export function toAppError(value: unknown, fallback: ErrorCode = 'INTERNAL', path?: string): AppError {
  if (value instanceof AppError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new AppError(fallback, message, { path, cause: value });
}
