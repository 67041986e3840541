// The CLI's exit codes: scripts branch on them, so they are stable and documented in `tinysr --help`.
//
// May import: nothing.
export const EXIT = {
  /** Everything asked for succeeded. */
  ok: 0,
  /** The command ran, but at least one file failed (the summary names each). */
  someFailed: 1,
  /** The command line is wrong: unknown option, missing value, conflicting flags. Nothing was done. */
  usage: 2,
  /** The command could not run at all: model not found or broken, engine did not start. */
  fatal: 3,
  /** Interrupted (Ctrl-C, SIGTERM or SIGHUP): the running file was cancelled (nothing partial written), the rest not started. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
