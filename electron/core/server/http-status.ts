// How an AppError code reads as an HTTP status in browser mode. The body always carries the full AppErrorData, so the
// status is only a coarse hint for generic clients (curl, proxies, logs); the renderer branches on `error.code`.
// A Record over every code: adding an error code without choosing its status fails the type check.
//
// May import: core/shared.
import type { ErrorCode } from '../shared/errors.js';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INPUT_NOT_FOUND: 404,
  INPUT_UNREADABLE: 422,
  INPUT_EMPTY: 422,
  INPUT_NOT_IMAGE: 422,
  INPUT_UNSUPPORTED_FORMAT: 422,
  INPUT_CORRUPT: 422,
  INPUT_TOO_LARGE: 422,
  OUTPUT_EXISTS: 409,
  OUTPUT_NOT_WRITABLE: 422,
  MODEL_NOT_FOUND: 404,
  MODEL_MANIFEST_INVALID: 422,
  MODEL_FILE_MISSING: 422,
  MODEL_CHECKSUM_MISMATCH: 422,
  MODEL_LOAD_FAILED: 500,
  PROVIDER_UNAVAILABLE: 503,
  OUT_OF_MEMORY: 503,
  INFERENCE_FAILED: 500,
  CANCELLED: 409,
  ENGINE_CRASHED: 503,
  INVALID_ARGUMENT: 400,
  INTERNAL: 500,
};

export function httpStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}
