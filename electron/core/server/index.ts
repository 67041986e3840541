// Browser mode (`tinysr serve`): the built renderer and the API contract (core/shared/api.ts) over HTTP on 127.0.0.1,
// for driving a headless GPU box from a browser and for the end-to-end tests. This index is the public surface.
//
//   const server = await startServer({ backend, rendererDir, port: 0, token });   // backend: core/api's ApiService
//   console.log(server.url);                                               // http://127.0.0.1:PORT/#token=...
//   await server.close();
//
// Routes (all on the loopback address; see access.ts for the checks every request passes first):
//   GET  /, /assets/...    the renderer (renderer/dist); client-side routes get index.html. Public: the page reads the
//                          token from its URL's fragment (never sent to a server) into sessionStorage
//   POST /api/<call id>    body: the call's args as JSON (Content-Type: application/json; empty body = {})
//                          200: the result as JSON; otherwise { "error": AppErrorData } with a status from http-status.ts
//                          (404 unknown call, 405 wrong method, 413 body too big, 415 not JSON, 400 bad JSON/args)
//   GET  /api/events       Server-Sent Events: each message's data is an ApiEventMessage { event, payload }
//   GET  /api/image?handle=<ImageRef handle>&key=<image key>   the image's bytes; the service decides which handles exist
// API calls and the event stream need `Authorization: Bearer <token>`; images that or the image key derived from the
// token (core/shared/browser-access.ts). No cookie is ever set: cookies do not isolate ports, so every other server on
// 127.0.0.1 would receive it. The Host header must be this server's loopback address (DNS rebinding) and Origin, when
// sent, its own origin (cross-site requests).
//
// May import: node:http, node:fs, node:path, node:crypto, core/shared.
export { startServer, LOOPBACK, type RunningServer, type ServerBackend, type ServerOptions } from './server.js';
export { imageKey, isToken, newToken } from './access.js';
