// Any failure from a backend call as the AppErrorData the UI shows (code + message, never a stack). A BackendError
// carries the service's own data; anything else (a network drop, a bug) becomes INTERNAL with its message.
//
// May import: electron/core/shared.
import { BackendError, type AppErrorData } from '../../../../electron/core/shared/api.js';

export function errorData(error: unknown): AppErrorData {
  if (error instanceof BackendError) return error.data;
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}
