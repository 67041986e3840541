// Electron glue for the app's two schemes (routes decided in protocol-routes.ts): registered as privileged before
// `ready` (standard + secure, so the app page has a real origin for CSP and fetch), handled after it. The app scheme
// reads through Electron's asar-aware fs (renderer/dist sits inside app.asar when packaged); images stream from disk
// through net.fetch.
//
// May import: electron, node:fs, node:url, ./app-origin, ./protocol-routes, ../common/ipc-bridge.
import { net, protocol } from 'electron';
import fs from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { IMAGE_SCHEME } from '../common/ipc-bridge.js';
import { APP_SCHEME } from './app-origin.js';
import { appRoute, imageRoute, type ResolveImage, type Route } from './protocol-routes.js';

/** Must run before app `ready`. */
export function registerSchemePrivileges(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: IMAGE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

function refusal(route: Exclude<Route, { status: 200 }>): Response {
  return new Response(route.message, { status: route.status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

export function handleAppSchemes(rendererDir: string, resolveImage: ResolveImage): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const route = appRoute(request.url, request.method, rendererDir);
    if (route.status !== 200) return refusal(route);
    try {
      return new Response(await fs.readFile(route.file), { status: 200, headers: route.headers });
    } catch {
      return refusal({ status: 404, message: `${route.file} is missing: build the renderer (npx vite build --config renderer/vite.config.ts).` });
    }
  });
  protocol.handle(IMAGE_SCHEME, async (request) => {
    const route = await imageRoute(request.url, request.method, resolveImage);
    if (route.status !== 200) return refusal(route);
    const response = await net.fetch(pathToFileURL(route.file).toString());
    if (!response.ok) return refusal({ status: 404, message: `The image file ${route.file} cannot be read any more.` });
    return new Response(response.body, { status: 200, headers: route.headers });
  });
}
