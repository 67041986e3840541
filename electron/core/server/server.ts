// The browser-mode HTTP server: a thin transport from HTTP to the API service. Every request passes the site checks
// (loopback Host, same Origin), then is routed to exactly one of: the renderer's static files (public: the page holds
// no secret until it reads the token from its URL's fragment), one API call or the event stream (the Bearer token),
// or one image handle (the token or the image key), or a file transfer (the Bearer token): an upload streamed into the
// service's inbox (`POST /api/upload?name=`) or added as the user's model (`POST /api/add-model?name=`), one result as it is on disk (`GET /api/download?handle=`) or every
// result as one store-only ZIP (`GET /api/download-all`). No business logic lives here; the service validates every
// call.
//
// May import: node:http, node:net (types), node:path, ./*, core/shared.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isApiCallId, API_CALL_IDS, type ApiCallId, type ApiEventMessage } from '../shared/api.js';
import { IMAGE_KEY_PARAM, TOKEN_FRAGMENT_PARAM } from '../shared/browser-access.js';
import { AppError, toAppError, type AppErrorData } from '../shared/errors.js';
import { checkImageAccess, checkSite, checkToken, newToken, type AccessPolicy } from './access.js';
import { EventStreams } from './event-stream.js';
import { httpStatusFor } from './http-status.js';
import { resolveStaticPath, SECURITY_HEADERS, sendFile } from './static-files.js';
import { planZip, writeZip } from './zip.js';

/** What the server needs from the API service (core/api's ApiService satisfies it). */
export interface ServerBackend {
  /** Runs one contract call; `args` is untrusted JSON that the service validates. Rejects with AppError. */
  invoke(call: ApiCallId, args: unknown): Promise<unknown>;
  /** Every API event, for the event stream; returns the unsubscribe. */
  onAny(listener: (message: ApiEventMessage) => void): () => void;
  /** The file behind an ImageRef handle; rejects (INVALID_ARGUMENT, INPUT_NOT_FOUND) for any other handle. */
  resolveImage(handle: string): Promise<{ path: string; contentType: string }>;
  /** A done item's output as it is on disk (`item/<id>/output`), with its file name. */
  resultFile(handle: string): Promise<{ path: string; contentType: string; name: string }>;
  /** Every done item's output, each with a name unique in one archive. */
  resultFiles(): Promise<Array<{ path: string; name: string }>>;
  /** Streams an uploaded file into the inbox and adds it to the queue; answers as `queue/add`. */
  upload(name: string, body: AsyncIterable<Uint8Array>): Promise<unknown>;
  /** Adds an uploaded ONNX file as the user's model; answers with its id and the models listing. */
  addModel(name: string, body: AsyncIterable<Uint8Array>): Promise<unknown>;
}

export interface ServerOptions {
  backend: ServerBackend;
  /** The built renderer (renderer/dist). */
  rendererDir: string;
  /** 0 (default): a free port chosen by the system. */
  port?: number | undefined;
  /** Defaults to a fresh random token; tests may pass their own. */
  token?: string | undefined;
}

export interface RunningServer {
  /** The URL to open: carries the token in its fragment, which the browser never sends to any server. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The only address browser mode listens on: a loopback server is unreachable from other machines. */
export const LOOPBACK = '127.0.0.1';
const MAX_BODY_BYTES = 1024 * 1024;
const API_PREFIX = '/api/';
const EVENTS_PATH = '/api/events';
const IMAGE_PATH = '/api/image';
const UPLOAD_PATH = '/api/upload';
const ADD_MODEL_PATH = '/api/add-model';
const DOWNLOAD_PATH = '/api/download';
const DOWNLOAD_ALL_PATH = '/api/download-all';

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly data: AppErrorData,
  ) {
    super(data.message);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? newToken();
  const streams = new EventStreams();
  const policy: AccessPolicy = { token, port: 0 };
  const unsubscribe = options.backend.onAny((message) => streams.send(message));

  const server = http.createServer((request, response) => {
    handle(request, response).catch((err: unknown) => {
      if (!response.headersSent) sendError(response, err);
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Concatenated, not resolved against a base: a request for `//host/x` must stay a path on this server.
    const target = request.url ?? '/';
    const url = target.startsWith('/') ? URL.parse(`http://${LOOPBACK}:${policy.port}${target}`) : null;
    if (url === null) return sendPlain(response, 400, `Request target "${target}" is not a path on this server.`);
    const site = checkSite(request.headers, policy);
    if (!site.ok) return refuse(response, url, site.status, site.reason);
    if (!url.pathname.startsWith(API_PREFIX)) return handleStatic(request, response, url.pathname);

    const auth = url.pathname === IMAGE_PATH ? checkImageAccess(request.headers, url.searchParams.get(IMAGE_KEY_PARAM), policy) : checkToken(request.headers, policy);
    if (!auth.ok) return refuse(response, url, auth.status, auth.reason);
    if (url.pathname === EVENTS_PATH) {
      requireMethod(request, 'GET');
      return streams.open(response, SECURITY_HEADERS);
    }
    if (url.pathname === IMAGE_PATH) return handleImage(request, response, url.searchParams.get('handle'));
    if (url.pathname === UPLOAD_PATH) return handleUpload(request, response, url.searchParams.get('name'), options.backend.upload);
    if (url.pathname === ADD_MODEL_PATH) return handleUpload(request, response, url.searchParams.get('name'), options.backend.addModel);
    if (url.pathname === DOWNLOAD_PATH) return handleDownload(request, response, url.searchParams.get('handle'));
    if (url.pathname === DOWNLOAD_ALL_PATH) return handleDownloadAll(request, response);
    return handleCall(request, response, url.pathname.slice(API_PREFIX.length));
  }

  async function handleCall(request: IncomingMessage, response: ServerResponse, callId: string): Promise<void> {
    if (!isApiCallId(callId)) {
      throw new HttpFailure(404, { code: 'INVALID_ARGUMENT', message: `Unknown API call "${callId}"; expected one of ${API_CALL_IDS.join(', ')}.` });
    }
    requireMethod(request, 'POST');
    const args = await readJsonBody(request);
    const result = await options.backend.invoke(callId, args);
    sendJson(response, 200, result);
  }

  async function handleImage(request: IncomingMessage, response: ServerResponse, handle: string | null): Promise<void> {
    requireMethod(request, 'GET');
    if (!handle) throw new HttpFailure(400, { code: 'INVALID_ARGUMENT', message: 'GET /api/image needs ?handle=<ImageRef handle>.' });
    const image = await options.backend.resolveImage(handle);
    if (!(await sendFile(response, image.path, { 'Content-Type': image.contentType, 'Cache-Control': 'no-store' }))) {
      throw new AppError('INPUT_NOT_FOUND', `The file behind image "${handle}" is gone from disk.`, { path: image.path });
    }
  }

  /** An upload of raw bytes (an image for the queue, or a model) handed to `receive` as a stream. */
  async function handleUpload(
    request: IncomingMessage,
    response: ServerResponse,
    name: string | null,
    receive: (name: string, body: AsyncIterable<Uint8Array>) => Promise<unknown>,
  ): Promise<void> {
    requireMethod(request, 'POST');
    if (!name) throw new HttpFailure(400, { code: 'INVALID_ARGUMENT', message: 'Uploads need ?name=<the file\'s name>.' });
    // Only raw bytes: an HTML form can post elsewhere, but never with this type.
    if (!/^application\/octet-stream\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      throw new HttpFailure(415, { code: 'INVALID_ARGUMENT', message: 'Uploads take Content-Type: application/octet-stream.' });
    }
    sendJson(response, 200, await receive.call(options.backend, name, request as AsyncIterable<Uint8Array>));
  }

  async function handleDownload(request: IncomingMessage, response: ServerResponse, handle: string | null): Promise<void> {
    requireMethod(request, 'GET');
    if (!handle) throw new HttpFailure(400, { code: 'INVALID_ARGUMENT', message: 'GET /api/download needs ?handle=item/<id>/output.' });
    const result = await options.backend.resultFile(handle);
    if (!(await sendFile(response, result.path, { 'Content-Type': result.contentType, 'Cache-Control': 'no-store', 'Content-Disposition': attachment(result.name) }))) {
      throw new AppError('INPUT_NOT_FOUND', `The result "${result.name}" is gone from disk.`, { path: result.path });
    }
  }

  async function handleDownloadAll(request: IncomingMessage, response: ServerResponse): Promise<void> {
    requireMethod(request, 'GET');
    const files = await options.backend.resultFiles();
    if (files.length === 0) throw new HttpFailure(404, { code: 'INPUT_NOT_FOUND', message: 'There are no finished results to download yet.' });
    const plan = await planZip(files.map((f) => ({ name: f.name, file: f.path })));
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/zip', 'Cache-Control': 'no-store', 'Content-Disposition': attachment('tinysr-results.zip') });
    await writeZip(plan, response);
    response.end();
  }

  async function handleStatic(request: IncomingMessage, response: ServerResponse, urlPath: string): Promise<void> {
    requireMethod(request, 'GET');
    const file = resolveStaticPath(options.rendererDir, urlPath);
    if (file === undefined) return sendPlain(response, 404, `Not found: ${urlPath}`);
    if (await sendFile(response, file)) return;
    if (path.basename(file) === 'index.html') {
      return sendPlain(response, 503, `The renderer is not built (${file} is missing): run \`npx vite build --config renderer/vite.config.ts\`.`);
    }
    return sendPlain(response, 404, `Not found: ${urlPath}`);
  }

  const port = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void => {
      unsubscribe();
      streams.close();
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
        const why = err.code === 'EADDRINUSE' ? 'is in use by another program' : 'may not be used by this user';
        reject(new AppError('INVALID_ARGUMENT', `Port ${port} on ${LOOPBACK} ${why}: choose another with --port, or --port 0 for a free one.`, { details: { argument: 'port', port } }));
      } else {
        reject(err);
      }
    };
    server.once('error', failed);
    server.listen(port, LOOPBACK, () => {
      server.off('error', failed);
      resolve();
    });
  });
  policy.port = (server.address() as AddressInfo).port;
  const origin = `http://${LOOPBACK}:${policy.port}`;

  return {
    url: `${origin}/#${TOKEN_FRAGMENT_PARAM}=${token}`,
    origin,
    port: policy.port,
    token,
    async close() {
      unsubscribe();
      streams.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** `Content-Disposition` for a download named `name` (ASCII fallback plus the UTF-8 name, RFC 6266). */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function requireMethod(request: IncomingMessage, method: 'GET' | 'POST'): void {
  if (request.method !== method) {
    throw new HttpFailure(405, { code: 'INVALID_ARGUMENT', message: `${request.method} is not allowed on ${request.url?.split('?')[0]}; use ${method}.` });
  }
}

/** The call's args: a JSON object body (an empty body means `{}`), at most 1 MiB, sent as application/json. */
async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpFailure(413, { code: 'INVALID_ARGUMENT', message: `Request body over ${MAX_BODY_BYTES} bytes.` });
    chunks.push(chunk);
  }
  if (size === 0) return {};
  // Requiring JSON also keeps out HTML forms, which can only send form or text bodies.
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpFailure(415, { code: 'INVALID_ARGUMENT', message: `API calls take Content-Type: application/json, got "${type}".` });
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    throw new HttpFailure(400, { code: 'INVALID_ARGUMENT', message: `Request body is not valid JSON: ${(err as Error).message}` });
  }
}

/** An access refusal: JSON `{ error }` on the API (the renderer shows it), plain text for pages and files. */
function refuse(response: ServerResponse, url: URL, status: number, reason: string): void {
  if (url.pathname.startsWith(API_PREFIX)) sendJsonError(response, status, { code: 'INVALID_ARGUMENT', message: reason });
  else sendPlain(response, status, reason);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function sendJsonError(response: ServerResponse, status: number, error: AppErrorData): void {
  sendJson(response, status, { error });
}

function sendError(response: ServerResponse, err: unknown): void {
  if (err instanceof HttpFailure) return sendJsonError(response, err.status, err.data);
  const error = toAppError(err);
  sendJsonError(response, httpStatusFor(error.code), error.toJSON());
}

function sendPlain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(`${text}\n`);
}
