// `tinysr serve [--port n] [--new-token] [--data-dir dir] [--threads n]`: browser mode. Runs the app's API service
// (queue, settings, previews, engine process) and serves it with the built renderer on 127.0.0.1 behind an access
// token, until Ctrl-C. The queue is saved on the way out and a running item resumes on the next start; the port and
// the token stay the same from run to run (../serve-identity.ts), so an open tab goes on working after a restart.
//
// May import: node:*, core/api, core/engine (client), core/models (locations), core/server, core/shared, ../*.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApiService, type ApiService } from '../../core/api/index.js';
import { EngineClient } from '../../core/engine/index.js';
import { packageRoot, resolveModelLocations, type ModelLocations } from '../../core/models/index.js';
import { newToken, startServer, type RunningServer } from '../../core/server/index.js';
import { AppError, isAppError, toAppError } from '../../core/shared/errors.js';
import { UsageError } from '../args.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { ServeIdentityFile } from '../serve-identity.js';

export const SERVE_HELP = `tinysr serve [--port <n>] [--new-token] [--data-dir <dir>] [--threads <n>]

Runs TinySR Studio in browser mode: the app's interface and API on http://127.0.0.1 (this machine only), behind an
access token. Open the printed URL in a browser; to use a remote GPU box, forward the port over SSH
(ssh -L 8700:127.0.0.1:8700 box, then tinysr serve --port 8700 on the box). Stop with Ctrl-C (or SIGTERM): the queue
is saved and a running item resumes on the next start. The port and the token stay the same from one start to the
next (kept in the data folder), so a tab left open goes on working after a restart.

      --port <n>          port to listen on (default: the last run's, else a free one; 0: a free one)
      --new-token         make a new access token (tabs opened with the old one stop working)
      --data-dir <dir>    folder for settings, the saved queue and the port and token (default: your data folder's tinysr)
      --threads <n>       CPU threads for inference (default: all)
  -h, --help              this help
`;

interface ServeOptions {
  /** undefined: the last run's port. */
  port: number | undefined;
  newToken: boolean;
  dataDir: string | undefined;
  threads: number;
}

function wholeNumber<F extends number | undefined>(name: string, value: string | undefined, max: number, fallback: F): number | F {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > max) throw new UsageError(`--${name} expects a whole number from 0 to ${max}, got "${value}".`);
  return n;
}

function parseServe(args: readonly string[]): ServeOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        'new-token': { type: 'boolean' },
        'data-dir': { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`tinysr serve: ${(err as Error).message}`);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  return {
    port: wholeNumber('port', values.port, 65535, undefined),
    newToken: values['new-token'] ?? false,
    dataDir: values['data-dir'],
    threads: wholeNumber('threads', values.threads, 256, 0),
  };
}

/** The user's tinysr data folder: where resolveModelLocations keeps the model digest cache, beside the user models. */
function defaultDataDir(locations: ModelLocations): string {
  if (locations.digestCacheFile === undefined) throw new AppError('INVALID_ARGUMENT', 'No data folder is known here; pass --data-dir <dir>.');
  return path.dirname(locations.digestCacheFile);
}

/** The signals that stop the server cleanly: Ctrl-C, a service manager's SIGTERM, a closed terminal's SIGHUP. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Resolves when one of STOP_SIGNALS asks the server to stop. */
function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const signal of STOP_SIGNALS) process.off(signal, done);
      resolve();
    };
    for (const signal of STOP_SIGNALS) process.once(signal, done);
  });
}

export async function runServe(args: readonly string[], io: CliIo): Promise<ExitCode> {
  let options: ServeOptions | 'help';
  try {
    options = parseServe(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${err.message}\n\n${SERVE_HELP}`);
    return EXIT.usage;
  }
  if (options === 'help') {
    io.stdout.write(SERVE_HELP);
    return EXIT.ok;
  }

  // Listening from the start: a stop asked for while the server starts (or the instant its URL is out) waits for the
  // start to finish and then stops cleanly, instead of killing the process mid-start.
  const stop = stopRequested();
  const locations = resolveModelLocations();
  const rendererDir = path.join(packageRoot(), 'renderer', 'dist');
  const engine = new EngineClient({ config: { threads: options.threads, models: { bundledDir: locations.bundledDir, userDir: locations.userDir ?? null } } });
  let dataDir: string;
  let service: ApiService | undefined;
  let server: RunningServer | undefined;
  try {
    dataDir = path.resolve(options.dataDir ?? defaultDataDir(locations));
    service = await createApiService({ engine, dataDir, modelLocations: locations });
    const identity = new ServeIdentityFile(dataDir);
    const last = await identity.load();
    const token = options.newToken || last === undefined ? newToken() : last.token;
    const listen = (port: number): Promise<RunningServer> => startServer({ backend: service!, rendererDir, port, token });
    try {
      server = await listen(options.port ?? last?.port ?? 0);
    } catch (err) {
      // Only the remembered port may be swapped for another; a port the user asked for is theirs to change.
      if (options.port !== undefined || last === undefined || !isAppError(err) || err.code !== 'INVALID_ARGUMENT') throw err;
      server = await listen(0);
      io.stderr.write(`tinysr serve: port ${last.port} (the last run's) is taken; serving on ${server.port} instead, so open the new URL below.\n`);
    }
    await identity.save({ port: server.port, token });
  } catch (err) {
    const error = toAppError(err);
    io.stderr.write(`tinysr serve: ${error.code}: ${error.message}\n`);
    await service?.close();
    await engine.close();
    return EXIT.fatal;
  }

  for (const problem of service.startupProblems) io.stderr.write(`tinysr serve: ${problem.code}: ${problem.message}\n`);
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    io.stderr.write(`tinysr serve: the interface is not built (${rendererDir} is missing): run \`npx vite build --config renderer/vite.config.ts\`; the API works without it.\n`);
  }
  io.stdout.write(
    `TinySR Studio is serving on this machine only. Open this URL in a browser (it carries the access token):\n\n  ${server.url}\n\n` +
      `Data folder: ${dataDir}\nModels: ${locations.bundledDir}${locations.userDir ? ` and ${locations.userDir}` : ''}\nPress Ctrl-C to stop.\n`,
  );

  await stop;
  io.stdout.write('Stopping: saving the queue...\n');
  await server.close();
  await service.close();
  await engine.close();
  return EXIT.ok;
}
