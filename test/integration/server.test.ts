// The browser-mode server's transport rules over real HTTP on 127.0.0.1: the token as a Bearer header (never a
// cookie) on API calls and events, the image key on images, Host and Origin checks, error mapping, the event stream,
// image handles and the renderer's files.
// The API service behind it is a small fake (this tests the transport only; the e2e tests run the real service).
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageKey, startServer, type RunningServer, type ServerBackend } from '../../electron/core/server/index.js';
import type { ApiCallId, ApiEventMessage } from '../../electron/core/shared/api.js';
import { AppError } from '../../electron/core/shared/errors.js';
import { makeTempDir, removeTempDir } from '../helpers/images.js';
import { readStoredZip } from '../helpers/zip-reader.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request (fetch would not let us forge Host), answered in full. */
function request(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply & { raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { Host: `127.0.0.1:${port}`, ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

class FakeBackend implements ServerBackend {
  readonly calls: { call: ApiCallId; args: unknown }[] = [];
  readonly listeners = new Set<(message: ApiEventMessage) => void>();
  constructor(readonly images: Map<string, string>) {}

  async invoke(call: ApiCallId, args: unknown): Promise<unknown> {
    this.calls.push({ call, args });
    if (call === 'queue/remove') throw new AppError('INVALID_ARGUMENT', 'ids: expected at least one id, got [].');
    if (call === 'engine/probe') throw new AppError('MODEL_NOT_FOUND', 'No model "nope".');
    if (call === 'queue/clear') throw new Error('something broke inside');
    return { echo: args };
  }

  onAny(listener: (message: ApiEventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(message: ApiEventMessage): void {
    for (const listener of this.listeners) listener(message);
  }

  async resolveImage(handle: string): Promise<{ path: string; contentType: string }> {
    const file = this.images.get(handle);
    if (file === undefined) throw new AppError('INVALID_ARGUMENT', `No image "${handle}".`);
    return { path: file, contentType: 'image/png' };
  }

  async resultFile(handle: string): Promise<{ path: string; contentType: string; name: string }> {
    return { ...(await this.resolveImage(handle)), name: 'photo ü_x4.png' };
  }

  async resultFiles(): Promise<Array<{ path: string; name: string }>> {
    return [...this.images.values()].map((file, i) => ({ path: file, name: `result ${i}.png` }));
  }

  async addModel(name: string, body: AsyncIterable<Uint8Array>): Promise<unknown> {
    await this.upload(name, body);
    return { added: 'm' };
  }

  readonly uploads: { name: string; bytes: number }[] = [];
  async upload(name: string, body: AsyncIterable<Uint8Array>): Promise<unknown> {
    let bytes = 0;
    for await (const chunk of body) bytes += chunk.length;
    this.uploads.push({ name, bytes });
    return { added: [name] };
  }
}

let dir: string;
let backend: FakeBackend;
let server: RunningServer;
let auth: Record<string, string>;

beforeAll(async () => {
  dir = await makeTempDir();
  const rendererDir = path.join(dir, 'dist');
  await fs.mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>TinySR</title>');
  await fs.writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await fs.writeFile(path.join(dir, 'secret.txt'), 'not for the browser');
  await fs.writeFile(path.join(dir, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  backend = new FakeBackend(new Map([['item/1/input', path.join(dir, 'photo.png')]]));
  server = await startServer({ backend, rendererDir, port: 0 });
  auth = { Authorization: `Bearer ${server.token}` };
});

afterAll(async () => {
  await server.close();
  expect(backend.listeners.size).toBe(0);
  await removeTempDir(dir);
});

describe('browser-mode server: access', () => {
  it('listens on loopback only and prints a URL that carries a long random token in its fragment', () => {
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    // A fragment never leaves the browser: not in a request, not in a log, not in a Referer.
    expect(server.url).toBe(`${server.origin}/#token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('says which port is taken when asked for a port in use', async () => {
    await expect(startServer({ backend, rendererDir: dir, port: server.port })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(new RegExp(`^Port ${server.port} on 127\\.0\\.0\\.1 is in use`)),
    });
  });

  it('serves the page and its scripts without the token, and never sets a cookie (cookies reach every port of 127.0.0.1)', async () => {
    for (const url of ['/', `/?token=${server.token}`, '/assets/app.js']) {
      const reply = await request(server.port, { path: url });
      expect(reply.status).toBe(200);
      expect(reply.headers['set-cookie']).toBeUndefined();
    }
    for (const [method, url] of [['POST', '/api/queue/list'], ['GET', '/api/image?handle=item%2F1%2Finput']] as const) {
      const reply = await request(server.port, { method, path: url, headers: auth });
      expect(reply.status).toBe(200);
      expect(reply.headers['set-cookie']).toBeUndefined();
    }
  });

  it.each([
    ['an API call', 'POST', '/api/queue/list'],
    ['the event stream', 'GET', '/api/events'],
    ['an image', 'GET', '/api/image?handle=item%2F1%2Finput'],
  ])('refuses %s without the token, with a wrong one, or with the token in a cookie or the URL', async (_what, method, url) => {
    const callsBefore = backend.calls.length;
    const wrong = [{}, { Authorization: 'Bearer wrong' }, { Cookie: `tinysr_token_${server.port}=${server.token}` }] as Record<string, string>[];
    for (const headers of wrong) {
      const reply = await request(server.port, { method, path: url, headers });
      expect(reply.status).toBe(401);
      expect(reply.body).toMatch(/token/);
    }
    const inUrl = await request(server.port, { method, path: `${url}${url.includes('?') ? '&' : '?'}token=${server.token}` });
    expect(inUrl.status).toBe(401);
    expect(backend.calls).toHaveLength(callsBefore);
  });

  it('opens images, and only images, with the image key derived from the token', async () => {
    // The page derives the key with WebCrypto: both sides agree on this golden (test/renderer/backends.test.ts).
    expect(imageKey('Q2hlbHNlYSB0aGUgY2F0IGlzIGEgdGVzdCB0b2tlbiEh')).toBe('oWKCqRGLOPxVUMbdzwtXyFpd_8fgH8mmRMh2_ZRMU2U');
    const key = imageKey(server.token);
    expect(key).not.toBe(server.token);
    const photo = await request(server.port, { path: `/api/image?handle=item%2F1%2Finput&key=${key}` });
    expect(photo.status).toBe(200);
    expect((await request(server.port, { path: '/api/image?handle=item%2F1%2Finput&key=wrong' })).status).toBe(401);
    const call = await request(server.port, { method: 'POST', path: `/api/queue/list?key=${key}`, headers: { Authorization: `Bearer ${key}` } });
    expect(call.status).toBe(401);
  });

  it('refuses another Host even with the token (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1']) {
      const reply = await request(server.port, { method: 'POST', path: '/api/queue/list', headers: { ...auth, Host: host } });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatch(/Host/);
    }
    const ok = await request(server.port, { method: 'POST', path: '/api/queue/list', headers: { ...auth, Host: `localhost:${server.port}` } });
    expect(ok.status).toBe(200);
  });

  it('answers a request target that is not a path (proxy form) with 400', async () => {
    const reply = await request(server.port, { path: `http://evil.example/api/queue/list`, headers: auth });
    expect(reply.status).toBe(400);
  });

  it('refuses cross-site requests by Origin and Sec-Fetch-Site, and takes its own origin', async () => {
    for (const headers of [{ Origin: 'http://evil.example' }, { Origin: 'null' }, { Origin: `http://127.0.0.1:${server.port + 1}` }, { 'Sec-Fetch-Site': 'cross-site' }] as Record<string, string>[]) {
      const reply = await request(server.port, { method: 'POST', path: '/api/queue/list', headers: { ...auth, ...headers } });
      expect(reply.status).toBe(403);
    }
    const ok = await request(server.port, { method: 'POST', path: '/api/queue/list', headers: { ...auth, Origin: server.origin, 'Sec-Fetch-Site': 'same-origin' } });
    expect(ok.status).toBe(200);
  });
});

describe('browser-mode server: API calls', () => {
  it('passes the JSON body to the service as the call args and answers its result as JSON', async () => {
    const args = { paths: ['/photos/a.jpg'], recursive: true };
    const reply = await request(server.port, { method: 'POST', path: '/api/queue/add', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(args) });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(reply.body)).toEqual({ echo: args });
    expect(backend.calls.at(-1)).toEqual({ call: 'queue/add', args });
  });

  it('treats an empty body as {}', async () => {
    const reply = await request(server.port, { method: 'POST', path: '/api/queue/start', headers: auth });
    expect(JSON.parse(reply.body)).toEqual({ echo: {} });
  });

  it.each([
    ['queue/remove', 400, 'INVALID_ARGUMENT'],
    ['engine/probe', 404, 'MODEL_NOT_FOUND'],
    ['queue/clear', 500, 'INTERNAL'],
  ])('maps a rejection of %s to status %i with { error } carrying the code', async (call, status, code) => {
    const reply = await request(server.port, { method: 'POST', path: `/api/${call}`, headers: auth });
    expect(reply.status).toBe(status);
    const body = JSON.parse(reply.body) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(reply.body).not.toMatch(/ at .*\.ts:\d+/);
  });

  it('answers unknown calls, wrong methods, non-JSON and broken JSON with clear errors, never reaching the service', async () => {
    const before = backend.calls.length;
    const unknown = await request(server.port, { method: 'POST', path: '/api/fs/read', headers: auth });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.message).toMatch(/Unknown API call "fs\/read"; expected one of queue\/add/);
    expect((await request(server.port, { method: 'GET', path: '/api/queue/list', headers: auth })).status).toBe(405);
    const form = await request(server.port, { method: 'POST', path: '/api/queue/list', headers: { ...auth, 'Content-Type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
    const broken = await request(server.port, { method: 'POST', path: '/api/queue/list', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"paths": [' });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body).error.code).toBe('INVALID_ARGUMENT');
    expect(backend.calls.length).toBe(before);
  });
});

describe('browser-mode server: events, images and files', () => {
  it('streams every service event to each open event stream as { event, payload } JSON', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: auth }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          if (text.includes(': connected')) {
            if (!text.includes('data:')) backend.emit({ event: 'engine/status', payload: { state: 'restarted', at: '2026-01-01T00:00:00Z' } });
          }
          const match = /^data: (.*)$/m.exec(text);
          if (match) {
            req.destroy();
            resolve(match[1]!);
          }
        });
      });
      req.on('error', reject);
    });
    expect(JSON.parse(received)).toEqual({ event: 'engine/status', payload: { state: 'restarted', at: '2026-01-01T00:00:00Z' } });
  });

  it('serves the file behind an allowed image handle, and nothing for any other handle or path', async () => {
    const image = await request(server.port, { path: `/api/image?handle=${encodeURIComponent('item/1/input')}`, headers: auth });
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['x-content-type-options']).toBe('nosniff');
    for (const handle of ['item/2/input', path.join(dir, 'secret.txt'), '../secret.txt']) {
      const reply = await request(server.port, { path: `/api/image?handle=${encodeURIComponent(handle)}`, headers: auth });
      expect(reply.status).toBe(400);
      expect(reply.body).not.toContain('not for the browser');
    }
    expect((await request(server.port, { path: '/api/image', headers: auth })).status).toBe(400);
  });

  it('streams an upload of raw bytes to the service under its name, with the token only', async () => {
    const bytes = Buffer.alloc(200_000, 7);
    const upload = (headers: Record<string, string>) => request(server.port, { method: 'POST', path: `/api/upload?name=${encodeURIComponent('my phötö.png')}`, headers, body: bytes });
    const reply = await upload({ ...auth, 'Content-Type': 'application/octet-stream' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ added: ['my phötö.png'] });
    expect(backend.uploads).toEqual([{ name: 'my phötö.png', bytes: 200_000 }]);
    expect((await upload({ 'Content-Type': 'application/octet-stream' })).status).toBe(401);
    expect((await upload({ ...auth, 'Content-Type': 'multipart/form-data' })).status).toBe(415);
    expect(backend.uploads).toHaveLength(1);
  });

  it('downloads one result as an attachment and every result as one ZIP, with the token only', async () => {
    const one = await request(server.port, { path: `/api/download?handle=${encodeURIComponent('item/1/input')}`, headers: auth });
    expect(one.status).toBe(200);
    expect(one.headers['content-disposition']).toBe(`attachment; filename="photo __x4.png"; filename*=UTF-8''photo%20%C3%BC_x4.png`);
    expect(one.raw).toEqual(await fs.readFile(path.join(dir, 'photo.png')));
    const all = await request(server.port, { path: '/api/download-all', headers: auth });
    expect(all.headers['content-type']).toBe('application/zip');
    expect(readStoredZip(all.raw)).toEqual([{ name: 'result 0.png', data: await fs.readFile(path.join(dir, 'photo.png')) }]);
    expect((await request(server.port, { path: '/api/download-all' })).status).toBe(401);
    expect((await request(server.port, { path: `/api/download?handle=${encodeURIComponent('item/9/output')}`, headers: auth })).status).toBe(400);
  });

  it('serves the renderer with a strict CSP, index.html for client routes, and never a file outside its folder', async () => {
    const script = await request(server.port, { path: '/assets/app.js', headers: auth });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect((await request(server.port, { path: '/compare', headers: auth })).body).toContain('<title>TinySR</title>');
    for (const escape of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt']) {
      const reply = await request(server.port, { path: escape, headers: auth });
      expect(reply.body).not.toContain('not for the browser');
      expect([404]).toContain(reply.status);
    }
  });
});
