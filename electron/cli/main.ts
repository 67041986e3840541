// The `tinysr` command line (launched by bin/tinysr.js): parse argv, run one command, return its exit code. Never
// calls process.exit, so tests can call main() directly and the launcher sets process.exitCode.
//
// May import: ./*, core (through the commands).
import { parseCommandLine, UsageError, type Command } from './args.js';
import { EXIT } from './exit-codes.js';
import { helpText } from './help.js';
import { processIo, type CliIo } from './io.js';

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  // Browser mode is a long-running server with options of its own: commands/serve.ts parses them.
  if (argv[0] === 'serve') return (await import('./commands/serve.js')).runServe(argv.slice(1), io);
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${err.message}\n\n${helpText(undefined)}`);
    return EXIT.usage;
  }
  switch (command.command) {
    case 'help':
      io.stdout.write(helpText(command.topic));
      return EXIT.ok;
    // Commands load on demand: help and usage errors answer without loading sharp or onnxruntime.
    case 'upscale':
      return (await import('./commands/upscale.js')).runUpscale(command, io);
    case 'models':
      return (await import('./commands/models.js')).runModels(command, io);
    case 'probe':
      return (await import('./commands/probe.js')).runProbe(command, io);
  }
}
