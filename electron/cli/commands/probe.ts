// `tinysr probe [--json] [--model id]`: creates a session with every execution provider this build lists and runs one
// tile, in the engine process, then says which work (and why the others do not) and what `auto` picks.
//
// May import: core/engine (client), core/shared, ../*.
import { EngineClient } from '../../core/engine/index.js';
import { toAppError } from '../../core/shared/errors.js';
import type { ListCommand } from '../args.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { table } from '../table.js';

export async function runProbe(command: ListCommand, io: CliIo): Promise<ExitCode> {
  const client = new EngineClient();
  try {
    const report = await client.probe(command.model === undefined ? {} : { model: command.model });
    if (command.json) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      io.stdout.write(`Execution providers (probed with model ${report.model}):\n`);
      const rows = report.providers.map((p) => [p.name, p.ok ? 'works' : 'unavailable', p.ok ? `${Math.round(p.ms ?? 0)} ms` : (p.reason ?? '')]);
      io.stdout.write(table(['provider', 'status', 'time / reason'], rows));
      io.stdout.write(`auto uses: ${report.auto}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    const error = toAppError(err);
    io.stderr.write(`tinysr probe: ${error.code}: ${error.message}\n`);
    return EXIT.fatal;
  } finally {
    await client.close();
  }
}
