// Registers one ipcMain handler per API call of the contract (core/shared/api.ts) and per host call (native
// dialogs), and nothing else. Every handler checks the sender (only the app window's top frame on the app's own page),
// validates the arguments with the call's zod schema, runs the call, and replies with data: `{ ok: true, value }` or
// `{ ok: false, error: AppErrorData }` (Electron would keep only an Error's message). Electron-free: it takes an
// ipcMain-like object, so the tests drive it with a fake one.
//
// May import: zod, core/shared, ../common/ipc-bridge.
import { z } from 'zod';
import { API_CALL_IDS, API_CALLS, type ApiCallId } from '../core/shared/api.js';
import { describeIssues } from '../core/shared/describe-issues.js';
import { AppError, toAppError } from '../core/shared/errors.js';
import { callChannel, hostChannel, type HostCall, type IpcReply } from '../common/ipc-bridge.js';

/** The part of Electron's ipcMain the registry uses; E is the invoke event type (IpcMainInvokeEvent in the app). */
export interface IpcMainLike<E> {
  handle(channel: string, listener: (event: E, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** Runs one API call with validated arguments: the API service's invoke in the app, a fake in tests. */
export type ApiDispatch = (call: ApiCallId, args: unknown) => Promise<unknown>;

const HOST_ARGS = {
  'open-images': z.object({ folders: z.boolean() }).strict(),
  'choose-output-folder': z.object({}).strict(),
  'show-result': z.object({ handle: z.string().min(1), reveal: z.enum(['file', 'folder']) }).strict(),
  'add-model': z.object({}).strict(),
} satisfies Record<HostCall, z.ZodType>;

/** The native dialogs behind the host calls; each resolves to null when the user cancels. */
export type HostHandlers = {
  [C in HostCall]: (args: z.output<(typeof HOST_ARGS)[C]>) => Promise<unknown>;
};

export interface IpcRegistration<E> {
  ipcMain: IpcMainLike<E>;
  /** Sender check (see app-origin.ts isTrustedSender); untrusted senders get an error and nothing runs. */
  isTrusted: (event: E) => boolean;
  /** Describes the sender for the refusal message (its frame URL). */
  describeSender: (event: E) => string;
  dispatch: ApiDispatch;
  host: HostHandlers;
}

/** Registers every handler; returns the function that removes them all. */
export function registerIpcHandlers<E>(registration: IpcRegistration<E>): () => void {
  const { ipcMain } = registration;
  const channels: string[] = [];
  const register = (channel: string, what: string, schema: z.ZodType, run: (args: never) => Promise<unknown>): void => {
    ipcMain.handle(channel, (event, ...args) => reply(registration, event, what, schema, args, run));
    channels.push(channel);
  };
  for (const call of API_CALL_IDS) {
    register(callChannel(call), call, API_CALLS[call].args, (args) => registration.dispatch(call, args));
  }
  for (const call of Object.keys(HOST_ARGS) as HostCall[]) {
    register(hostChannel(call), call, HOST_ARGS[call], (args) => registration.host[call](args));
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

async function reply<E>(
  registration: IpcRegistration<E>,
  event: E,
  what: string,
  schema: z.ZodType,
  args: unknown[],
  run: (args: never) => Promise<unknown>,
): Promise<IpcReply<unknown>> {
  try {
    if (!registration.isTrusted(event)) {
      throw new AppError('INVALID_ARGUMENT', `The call "${what}" came from ${registration.describeSender(event)}, which is not the app's own page; it was refused.`, {
        details: { argument: 'sender' },
      });
    }
    if (args.length !== 1) {
      throw new AppError('INVALID_ARGUMENT', `The call "${what}" takes exactly one argument object, got ${args.length} arguments.`, { details: { argument: what } });
    }
    const parsed = schema.safeParse(args[0]);
    if (!parsed.success) {
      throw new AppError('INVALID_ARGUMENT', `Invalid arguments for "${what}": ${describeIssues(parsed.error.issues, 'args').join('; ')}.`, { details: { argument: what } });
    }
    return { ok: true, value: await run(parsed.data as never) };
  } catch (error) {
    return { ok: false, error: toAppError(error).toJSON() };
  }
}
