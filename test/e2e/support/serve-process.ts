// `tinysr serve` as a user runs it: the compiled CLI (`node bin/tinysr.js serve`, dist/ built by `npm run build`) in a
// child process, with the fixture models as the bundled models and a temp data folder, so every test starts from a
// clean, isolated app state. Resolves once the server printed its URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../electron/core/models/index.js';

export const ROOT = packageRoot();
/** Where the tests write screenshots (git-ignored, so a test run never modifies tracked files). test/e2e/screenshots/ holds the kept copy. */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'e2e-screenshots');
const BIN = path.join(ROOT, 'bin', 'tinysr.js');
const STOP_GRACE_MS = 30_000;
const URL_LINE = /(http:\/\/127\.0\.0\.1:\d+)\/#token=([A-Za-z0-9_-]+)/;

export interface ServeOptions {
  /** Where settings and the persisted queue live; reuse it to restart "the same app". */
  dataDir: string;
  /** Home of the user models folder and digest cache, kept out of the real user's data folder. */
  homeDir: string;
  /** Whether the test needs the built renderer (API-only tests do not). Default true. */
  needsRenderer?: boolean;
  /** The serve options besides the data folder and threads; default `--port 0` (a free port, not the last run's). */
  args?: readonly string[];
}

export interface ServeProcess {
  /** The URL with the token, as printed. */
  url: string;
  origin: string;
  token: string;
  /** Everything the process wrote so far (for failure messages). */
  output(): string;
  /** Ctrl-C: the server closes and the process exits; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** A hard kill (crash, power cut): nothing gets to clean up. */
  kill(): Promise<void>;
}

function assertBuilt(needsRenderer: boolean): void {
  const needed = [path.join(ROOT, 'dist', 'cli', 'main.js'), ...(needsRenderer ? [path.join(ROOT, 'renderer', 'dist', 'index.html')] : [])];
  const missing = needed.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(`${missing.join(' and ')} missing: run \`npm run build\` and \`npx vite build --config renderer/vite.config.ts\` (npm run test:e2e does both).`);
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function startServe(options: ServeOptions): Promise<ServeProcess> {
  assertBuilt(options.needsRenderer ?? true);
  const child = spawn(process.execPath, [BIN, 'serve', ...(options.args ?? ['--port', '0']), '--data-dir', options.dataDir, '--threads', '1'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TINYSR_NATIVE_MODELS: path.join(ROOT, 'test', 'fixtures', 'models'),
      TINYSR_USER_MODELS: path.join(options.homeDir, 'user models'),
      XDG_DATA_HOME: path.join(options.homeDir, 'xdg'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));

  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (): void => {
      const found = URL_LINE.exec(output);
      if (found) {
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        resolve(found);
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`tinysr serve exited (${code}) before printing its URL:\n${output}`));
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });

  return {
    url: match[0],
    origin: match[1]!,
    token: match[2]!,
    output: () => output,
    async stop() {
      child.kill('SIGINT');
      // A server that ignores Ctrl-C must not outlive the tests: kill it (the exit code is then null, failing any check).
      const hung = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      try {
        return await exited(child);
      } finally {
        clearTimeout(hung);
      }
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
