// The CLI's view of the terminal: where output goes and whether stderr is a terminal. main() takes one, so tests can
// capture output without spawning a process.
//
// May import: nothing but process.
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean | undefined; columns?: number | undefined };
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr };
}
