// What the app's two schemes answer, decided without Electron so it is unit-tested:
// - `tinysr-app://renderer/...`: files of the built renderer (renderer/dist) and nothing outside it, with the CSP;
// - `tinysr-image://image/?handle=...`: read-only, GET only, the file the API service resolves for an ImageRef handle
//   (files the user added, outputs the queue wrote, previews it rendered) and nothing else; the service refuses any
//   other handle, so no URL can name an arbitrary path.
// protocols.ts turns a route into an Electron Response.
//
// May import: core/server (static path resolution, content types), core/shared, ./app-origin, ./content-security-policy,
// ../common/ipc-bridge.
import { contentTypeFor, resolveStaticPath } from '../core/server/static-files.js';
import { toAppError } from '../core/shared/errors.js';
import { APP_HOST } from './app-origin.js';
import { CONTENT_SECURITY_POLICY } from './content-security-policy.js';
import { handleFromImageUrl } from '../common/ipc-bridge.js';

export type Route = { status: 200; file: string; headers: Record<string, string> } | { status: 400 | 403 | 404 | 405; message: string };

const PAGE_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export function appRoute(url: string, method: string, rendererDir: string): Route {
  if (method !== 'GET') return { status: 405, message: `The app scheme is read-only; ${method} is not allowed.` };
  const parsed = new URL(url);
  if (parsed.host !== APP_HOST) return { status: 404, message: `Unknown app host "${parsed.host}".` };
  const file = resolveStaticPath(rendererDir, parsed.pathname);
  if (file === undefined) return { status: 403, message: `The path ${parsed.pathname} is outside the app.` };
  return { status: 200, file, headers: { ...PAGE_HEADERS, 'Content-Type': contentTypeFor(file) } };
}

/** The API service's handle-to-file lookup (ApiService.resolveImage); rejects for handles it did not hand out. */
export type ResolveImage = (handle: string) => Promise<{ path: string; contentType: string }>;

export async function imageRoute(url: string, method: string, resolveImage: ResolveImage): Promise<Route> {
  if (method !== 'GET') return { status: 405, message: `The image scheme is read-only; ${method} is not allowed.` };
  const handle = handleFromImageUrl(url);
  if (handle === undefined) return { status: 400, message: `Not an image URL: ${url}; expected tinysr-image://image/?handle=<ImageRef handle>.` };
  try {
    const image = await resolveImage(handle);
    return { status: 200, file: image.path, headers: { 'Content-Type': image.contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } };
  } catch (error) {
    return { status: 404, message: toAppError(error).message };
  }
}
