// `tinysr serve` as a process with the real API service behind it (fixture models, temp data folder), driven over
// HTTP without a browser: the command line, the printed URL, real validation errors, the image allow-list, Ctrl-C.
// The browser-driven tests are in test/e2e/.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, writeTestImage } from '../helpers/images.js';
import { ROOT, startServe, type ServeProcess } from '../e2e/support/serve-process.js';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'bin', 'tinysr.js');

let dir: string;
let serve: ServeProcess;

async function call(name: string, args: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const response = await fetch(`${serve.origin}/api/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(args),
  });
  return { status: response.status, body: (await response.json()) as never };
}

beforeAll(async () => {
  dir = await makeTempDir();
  serve = await startServe({ dataDir: path.join(dir, 'data'), homeDir: dir, needsRenderer: false });
});

afterAll(async () => {
  await serve?.kill();
  await removeTempDir(dir);
});

describe('tinysr serve', () => {
  it('prints a loopback URL with the token in its fragment, and answers API calls from the real service', async () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    const { status, body } = await call('models/list', {});
    expect(status).toBe(200);
    expect((body.models as { id: string }[]).map((m) => m.id).sort()).toEqual(['generic-x4-tiny', 'tinysr-tiny']);
  });

  it('answers invalid arguments with INVALID_ARGUMENT naming the field, as status 400', async () => {
    const { status, body } = await call('queue/add', { paths: [] });
    expect(status).toBe(400);
    expect(body.error?.code).toBe('INVALID_ARGUMENT');
    expect(body.error?.message).toMatch(/paths/);
  });

  it('serves added images by handle, and refuses paths and unknown handles', async () => {
    const photo = await writeTestImage(path.join(dir, 'photo.png'), { width: 20, height: 16, format: 'png' });
    const { body } = await call('queue/add', { paths: [photo] });
    const item = (body.snapshot as { items: { inputImage: { handle: string } }[] }).items[0]!;
    const image = (handle: string): Promise<Response> =>
      fetch(`${serve.origin}/api/image?handle=${encodeURIComponent(handle)}`, { headers: { Authorization: `Bearer ${serve.token}` } });
    const ok = await image(item.inputImage.handle);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    for (const handle of [photo, '/etc/passwd', 'item/none/input', 'item/../../etc/passwd']) {
      expect((await image(handle)).status).toBe(400);
    }
  });

  it('refuses a page on another origin', async () => {
    const { status, body } = await call('queue/list', {}, { Origin: 'http://evil.example' });
    expect(status).toBe(403);
    expect(body.error?.message).toMatch(/Origin "http:\/\/evil.example" may not call this server/);
  });

  it('explains a bad option and exits 2', async () => {
    const failure = await run(process.execPath, [BIN, 'serve', '--port', 'eighty']).catch((err: { code: number; stderr: string }) => err);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/--port expects a whole number from 0 to 65535, got "eighty"/);
    const help = await run(process.execPath, [BIN, 'serve', '--help']);
    expect(help.stdout).toMatch(/tinysr serve \[--port <n>\]/);
  });

  it('says so and exits 3 when the port is taken', async () => {
    const env = { ...process.env, XDG_DATA_HOME: path.join(dir, 'xdg'), TINYSR_USER_MODELS: path.join(dir, 'user models') };
    const port = new URL(serve.origin).port;
    const failure = await run(process.execPath, [BIN, 'serve', '--port', port, '--data-dir', path.join(dir, 'other data')], { env }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure).toMatchObject({ code: 3 });
    expect((failure as { stderr: string }).stderr).toMatch(new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use by another program`));
  });

  it('stops on Ctrl-C with exit code 0', async () => {
    expect(await serve.stop()).toBe(0);
  });

  it('keeps its port and token across restarts unless asked for new ones (--port, --new-token), and keeps them private', async () => {
    // Issue 13: every restart picked a new port and token, so an open tab was dead.
    const dataDir = path.join(dir, 'stable data');
    const start = (...args: string[]): Promise<ServeProcess> => startServe({ dataDir, homeDir: dir, needsRenderer: false, args });
    const first = await start();
    expect(await first.stop()).toBe(0);
    const second = await start();
    expect(await second.stop()).toBe(0);
    expect(second.url).toBe(first.url);
    expect((await fs.stat(path.join(dataDir, 'browser-mode.json'))).mode & 0o077).toBe(0);

    const renewed = await start('--new-token');
    expect(await renewed.stop()).toBe(0);
    expect(renewed.origin).toBe(first.origin);
    expect(renewed.token).not.toBe(first.token);

    // The remembered port taken by another program: a free one, said so, the token kept.
    const blocker = await startServe({ dataDir: path.join(dir, 'blocker data'), homeDir: dir, needsRenderer: false, args: ['--port', new URL(first.origin).port] });
    const moved = await start();
    await blocker.stop();
    expect(await moved.stop()).toBe(0);
    expect(moved.origin).not.toBe(first.origin);
    expect(moved.token).toBe(renewed.token);
    expect(moved.output()).toMatch(/port \d+ \(the last run's\) is taken; serving on \d+ instead/);
  });
});
