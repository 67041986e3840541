// The first lines of every committed benchmark result: the exact command line, the machine, its load when the run
// started, when, and at which commit, so anyone can rerun it and judge the numbers. Node builtins only, so every
// script (including ones that load no native module) can import it.
//
// May import: node builtins.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);

/** `node bench/x.mjs --a b`: this process's command line, paths relative to the repository root. */
export function commandLine(argv = process.argv) {
  const [, script, ...args] = argv;
  return ['node', path.relative(ROOT, script ?? ''), ...args].map(quote).join(' ');
}

function commit() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short=12', 'HEAD').stdout.trim();
  if (!head) return 'not a git checkout';
  return git('status', '--porcelain', '--untracked-files=no').stdout.trim() ? `${head} with uncommitted changes` : head;
}

/** The header lines (each starting with '# '), to print and write before the result itself. */
export function resultHeader(title) {
  const cpus = os.cpus();
  return [
    `# ${title}`,
    `# command: ${commandLine()}   (from the repository root, after npm run build)`,
    `# machine: ${cpus[0]?.model ?? 'cpu'} x${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}, node ${process.version}`,
    `# load at start (1/5/15 min): ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus.length} cores`,
    `# when: ${new Date().toISOString()}, commit ${commit()}`,
  ];
}
