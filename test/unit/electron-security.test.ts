// The window's security decisions, without Electron: who may call the API, where the window may go, the CSP, and
// what the app and image schemes serve.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../electron/core/shared/errors.js';
import { APP_ENTRY_URL, externalLinkFor, isTrustedSender, mayNavigate } from '../../electron/main/app-origin.js';
import { CONTENT_SECURITY_POLICY, cspSources } from '../../electron/main/content-security-policy.js';
import { appRoute, imageRoute } from '../../electron/main/protocol-routes.js';
import { imageUrl } from '../../electron/preload/bridge.js';

describe('sender check', () => {
  const app = { frameUrl: APP_ENTRY_URL, isTopFrame: true, webContentsId: 7 };
  it('trusts only the app window top frame showing the app page', () => {
    expect(isTrustedSender(app, 7)).toBe(true);
    expect(isTrustedSender({ ...app, isTopFrame: false }, 7)).toBe(false);
    expect(isTrustedSender({ ...app, webContentsId: 8 }, 7)).toBe(false);
    expect(isTrustedSender(app, undefined)).toBe(false);
    expect(isTrustedSender({ ...app, frameUrl: undefined }, 7)).toBe(false);
    for (const url of ['https://renderer/index.html', 'file:///index.html', 'tinysr-app://evil/index.html', 'tinysr-image://image/?handle=x', 'garbage']) {
      expect(isTrustedSender({ ...app, frameUrl: url }, 7), url).toBe(false);
    }
  });
});

describe('navigation lock', () => {
  it('keeps the window on the app and sends only https links to the browser', () => {
    expect(mayNavigate('tinysr-app://renderer/index.html#/queue')).toBe(true);
    expect(mayNavigate('file:///home/me/photo.jpg')).toBe(false);
    expect(mayNavigate('https://example.com/')).toBe(false);
    expect(externalLinkFor('https://github.com/tinysr')).toBe('https://github.com/tinysr');
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'nonsense']) {
      expect(externalLinkFor(url), url).toBeUndefined();
    }
  });
});

describe('content security policy', () => {
  it('allows scripts only from the app, no eval, no inline scripts, nothing by default', () => {
    expect(cspSources(CONTENT_SECURITY_POLICY, 'default-src')).toEqual(["'none'"]);
    expect(cspSources(CONTENT_SECURITY_POLICY, 'script-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval/);
    for (const directive of ['object-src', 'frame-src', 'frame-ancestors', 'base-uri', 'form-action']) {
      expect(cspSources(CONTENT_SECURITY_POLICY, directive), directive).toEqual(["'none'"]);
    }
  });
  it('lets images come from the image scheme and nowhere remote', () => {
    const img = cspSources(CONTENT_SECURITY_POLICY, 'img-src') ?? [];
    expect(img).toContain('tinysr-image:');
    expect(img.some((s) => s.startsWith('http') || s === '*')).toBe(false);
  });
});

describe('app scheme', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr-app-scheme-'));
    await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html>');
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('serves files inside the renderer folder with the CSP', () => {
    const route = appRoute('tinysr-app://renderer/assets/app.js', 'GET', dir);
    expect(route).toMatchObject({ status: 200, file: path.join(dir, 'assets', 'app.js') });
    if (route.status !== 200) return;
    expect(route.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(route.headers['Content-Type']).toMatch(/javascript/);
    expect(appRoute('tinysr-app://renderer/', 'GET', dir)).toMatchObject({ status: 200, file: path.join(dir, 'index.html') });
  });
  it('never serves a file outside the folder, whatever the URL path says', () => {
    const nasty = [
      'tinysr-app://renderer/%2e%2e/%2e%2e/etc/passwd.txt',
      'tinysr-app://renderer/..%2f..%2fetc%2fpasswd.txt',
      'tinysr-app://renderer/..%5c..%5csecret.txt',
      'tinysr-app://renderer/%00.js',
    ];
    for (const url of nasty) {
      const route = appRoute(url, 'GET', dir);
      if (route.status === 200) expect(route.file.startsWith(dir + path.sep), url).toBe(true);
      else expect(route.status, url).toBe(403);
    }
  });
  it('refuses other hosts and writes', () => {
    expect(appRoute('tinysr-app://elsewhere/index.html', 'GET', dir).status).toBe(404);
    expect(appRoute('tinysr-app://renderer/index.html', 'POST', dir).status).toBe(405);
  });
});

describe('image scheme', () => {
  const resolve = async (handle: string) => {
    if (handle === 'item/1/output') return { path: '/out/a_x4.png', contentType: 'image/png' };
    throw new AppError('INVALID_ARGUMENT', `"${handle}" is not an image this app showed.`);
  };
  it('serves the file the service resolves for a handle it handed out, read-only', async () => {
    expect(await imageRoute(imageUrl('item/1/output'), 'GET', resolve)).toEqual({
      status: 200,
      file: '/out/a_x4.png',
      headers: { 'Content-Type': 'image/png', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
    });
    expect((await imageRoute(imageUrl('item/1/output'), 'PUT', resolve)).status).toBe(405);
  });
  it('answers 404 with the service reason for any other handle, and 400 for a malformed URL', async () => {
    expect(await imageRoute(imageUrl('/etc/passwd'), 'GET', resolve)).toEqual({ status: 404, message: '"/etc/passwd" is not an image this app showed.' });
    expect((await imageRoute('tinysr-image://image/etc/passwd', 'GET', resolve)).status).toBe(400);
  });
});
