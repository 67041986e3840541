// Nothing lost, nothing leaked (issue 12): the engine is stopped at each named point of an upscale (decode, inference,
// encode with the output's temp file complete, just after the rename; see electron/core/engine/fault-points.ts) and
// killed there, with SIGTERM or with kill -9 of the command and its engine worker together, for `tinysr upscale` and
// for `tinysr serve` with a restart. Afterwards there is no hidden temp file in the output folder, no `tinysr-icc-*`
// folder in the temp folder (TMPDIR, one per case), no empty output folder a failed job created, and exactly one
// output: never a `name (2).png` written again after a restart. And parallel settings calls all land.
//
// Every input carries a Display P3 profile, so every encode really goes through a profile folder in TMPDIR.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_POINTS, type FaultPoint } from '../../electron/core/engine/fault-points.js';
import { kill, leftovers, pauseAt, ROOT, startTinysr, tick, waitForPoint, waitForProcessEnd, type Kill, type Running } from '../helpers/faults.js';
import { makeTempDir, readMetadata, removeTempDir, writeTestImage } from '../helpers/images.js';

const MODEL = 'generic-x4-tiny';
const OUTPUT = `photo_${MODEL}_x4.png`;
const KILLS: readonly Kill[] = ['SIGTERM', 'SIGKILL'];
const CASES = FAULT_POINTS.flatMap((point) => KILLS.map((how) => [point, how] as [FaultPoint, Kill]));

let dir: string;
let input: string;
let baseEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await makeTempDir('faults');
  input = await writeTestImage(path.join(dir, 'photo.png'), { width: 48, height: 40, format: 'png', icc: 'p3' });
  baseEnv = {
    ...process.env,
    TINYSR_NATIVE_MODELS: path.join(ROOT, 'test', 'fixtures', 'models'),
    TINYSR_USER_MODELS: path.join(dir, 'user models'),
    XDG_DATA_HOME: path.join(dir, 'xdg'),
  };
  delete baseEnv.TINYSR_TEST_PAUSE_AT;
  delete baseEnv.TINYSR_TEST_PAUSE_FILE;
});

afterAll(async () => {
  await removeTempDir(dir);
});

/** A folder per case: its output folder, its TMPDIR (where profile folders go) and the engine's marker file. */
async function caseFolders(name: string): Promise<{ out: string; tmp: string; marker: string; data: string }> {
  const base = path.join(dir, name);
  const tmp = path.join(base, 'tmp');
  await fs.mkdir(tmp, { recursive: true });
  return { out: path.join(base, 'out'), tmp, marker: path.join(base, 'reached.json'), data: path.join(base, 'data') };
}

describe('tinysr upscale killed at each fault point', () => {
  const upscale = (out: string): string[] => ['upscale', input, '-o', out, '--model', MODEL, '--provider', 'cpu', '--threads', '1'];

  it.each(CASES)('at %s by %s: no temp file, no profile folder, no empty folder; a rerun finishes the file once', async (point, how) => {
    const { out, tmp, marker } = await caseFolders(`cli-${point}-${how}`);
    const env = { ...baseEnv, TMPDIR: tmp };
    const run = startTinysr(upscale(out), { ...env, ...pauseAt(point, marker) });
    const reached = await waitForPoint(marker, run);
    kill(run, how);
    const code = await run.exited;
    await waitForProcessEnd(reached.pid);

    if (how === 'SIGTERM') {
      // Handled as Ctrl-C: the running file is cancelled in the engine, which removes what it was writing.
      expect(code, run.output()).toBe(130);
      expect(await leftovers(out, tmp)).toEqual([]);
      if (point === 'renamed') expect(await fs.readdir(out)).toEqual([OUTPUT]);
      else expect(await fs.readdir(out).catch(() => 'no folder')).toBe('no folder'); // the folder the job created is gone
    } else {
      expect(code).toBe('SIGKILL');
      // Nothing could clean up; the next run sweeps what the killed engine left before it writes there.
      const again = startTinysr([...upscale(out), '--skip-existing'], env);
      expect(await again.exited, again.output()).toBe(0);
      expect(await leftovers(out, tmp)).toEqual([]);
      expect(await fs.readdir(out)).toEqual([OUTPUT]);
    }
  });

  it('kill -9 of the command alone at encode: the orphaned engine removes its temp file and profile folder itself', async () => {
    const { out, tmp, marker } = await caseFolders('cli-encode-parent');
    const run = startTinysr(upscale(out), { ...baseEnv, TMPDIR: tmp, ...pauseAt('encode', marker) });
    const reached = await waitForPoint(marker, run);
    expect((await leftovers(out, tmp)).length).toBe(2); // the complete temp file and the profile folder, at this point
    process.kill(run.child.pid!, 'SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    await waitForProcessEnd(reached.pid);
    expect(await leftovers(out, tmp)).toEqual([]);
  });
});

/** `tinysr serve` with the case's data folder, and the calls the test makes on it. */
class Server {
  private constructor(
    readonly run: Running,
    private readonly origin: string,
    private readonly token: string,
  ) {}

  static async start(data: string, env: NodeJS.ProcessEnv): Promise<Server> {
    const run = startTinysr(['serve', '--data-dir', data, '--threads', '1'], env);
    let ended = false;
    void run.exited.then(() => (ended = true));
    for (;;) {
      const found = /(http:\/\/127\.0\.0\.1:\d+)\/[#?]token=([A-Za-z0-9_-]+)/.exec(run.output());
      if (found) return new Server(run, found[1]!, found[2]!);
      if (ended) throw new Error(`tinysr serve ended before printing its URL:\n${run.output()}`);
      await tick();
    }
  }

  async call(name: string, args: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.origin}/api/${name}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Polls the queue until every item has ended. */
  async finished(): Promise<{ state: string; result?: { output: string } }[]> {
    for (;;) {
      const snapshot = (await this.call('queue/list', {})) as { status: string; items: { state: string; result?: { output: string } }[] };
      if (snapshot.status === 'idle' && snapshot.items.every((i) => i.state !== 'queued' && i.state !== 'running')) return snapshot.items;
      await tick();
    }
  }

  async stop(): Promise<number | string> {
    process.kill(this.run.child.pid!, 'SIGTERM');
    return this.run.exited;
  }
}

describe('tinysr serve under concurrent settings calls', () => {
  it('keeps every change of parallel settings/set calls, in the order they were made', async () => {
    // Issue 12: three parallel calls touching different fields kept one (10 of 10 rounds).
    const { tmp, data } = await caseFolders('serve-settings');
    const server = await Server.start(data, { ...baseEnv, TMPDIR: tmp });
    try {
      for (let round = 0; round < 5; round++) {
        const quality = 50 + round;
        await Promise.all([
          server.call('settings/set', { defaults: { quality } }),
          server.call('settings/set', { theme: round % 2 === 0 ? 'dark' : 'light' }),
          server.call('settings/set', { recursive: round % 2 === 0 }),
          server.call('settings/set', { defaults: { format: round % 2 === 0 ? 'webp' : 'tiff' } }),
        ]);
        expect(await server.call('settings/get', {})).toMatchObject({
          theme: round % 2 === 0 ? 'dark' : 'light',
          recursive: round % 2 === 0,
          defaults: { quality, format: round % 2 === 0 ? 'webp' : 'tiff' },
        });
      }
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const saved = JSON.parse(await fs.readFile(path.join(data, 'settings.json'), 'utf8')) as { defaults: { quality: number } };
    expect(saved.defaults.quality).toBe(54);
  });
});

describe('tinysr serve killed at each fault point, then started again', () => {
  it.each(CASES)('at %s by %s: after the restart the item is done with exactly one output and nothing left over', async (point, how) => {
    const { out, tmp, marker, data } = await caseFolders(`serve-${point}-${how}`);
    const env = { ...baseEnv, TMPDIR: tmp };
    const first = await Server.start(data, { ...env, ...pauseAt(point, marker) });
    await first.call('settings/set', { defaults: { model: MODEL, outputDir: out, provider: 'cpu', format: 'png' } });
    await first.call('queue/add', { paths: [input] });
    await first.call('queue/start', {});
    const reached = await waitForPoint(marker, first.run);
    kill(first.run, how);
    expect(await first.run.exited).toBe(how === 'SIGTERM' ? 0 : 'SIGKILL');
    await waitForProcessEnd(reached.pid);

    const second = await Server.start(data, env);
    const items = await second.finished(); // the queue was running: it resumes by itself
    expect(await second.stop()).toBe(0);
    expect(items).toMatchObject([{ state: 'done', result: { output: path.join(out, OUTPUT) } }]);
    expect(await fs.readdir(out)).toEqual([OUTPUT]);
    expect(await leftovers(out, tmp)).toEqual([]);
    expect(await readMetadata(path.join(out, OUTPUT))).toMatchObject({ width: 192, height: 160 });
  });
});
