// The raw side of an error, for the "Details" fold under its message: the stable code, the file it is about and the
// service's machine-readable facts, one per line. Pure, so the wording is tested without a DOM.
//
// May import: electron/core/shared (types).
import type { AppErrorData } from '../../../../electron/core/shared/errors.js';

export function errorDetailLines(error: AppErrorData): string[] {
  const lines = [`code: ${error.code}`];
  if (error.path !== undefined) lines.push(`file: ${error.path}`);
  for (const [key, value] of Object.entries(error.details ?? {})) {
    lines.push(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return lines;
}
