// Browser mode (`tinysr serve`): the built renderer and the API contract (core/shared/api.ts) over HTTP on 127.0.0.1,
// for driving a headless GPU box from a browser and for the end-to-end tests. This index is the public surface.
//
//   const server = await startServer({ backend, rendererDir, port: 0 });   // backend: core/api's ApiService
//   console.log(server.url);                                               // http://127.0.0.1:PORT/?token=...
//   await server.close();
//
// Routes (all on the loopback address; see access.ts for the checks every request passes first):
//   GET  /?token=T         sets the HttpOnly SameSite=Strict cookie `tinysr_token_<port>` and redirects to / (303)
//   GET  /, /assets/...    the renderer (renderer/dist); client-side routes get index.html
//   POST /api/<call id>    body: the call's args as JSON (Content-Type: application/json; empty body = {})
//                          200: the result as JSON; otherwise { "error": AppErrorData } with a status from http-status.ts
//                          (404 unknown call, 405 wrong method, 413 body too big, 415 not JSON, 400 bad JSON/args)
//   GET  /api/events       Server-Sent Events: each message's data is an ApiEventMessage { event, payload }
//   GET  /api/image?handle=<ImageRef handle>   the image's bytes; the service decides which handles exist
// Every request except the token URL needs the cookie or `Authorization: Bearer <token>`; the Host header must be this
// server's loopback address (DNS rebinding) and Origin, when sent, its own origin (cross-site requests).
//
// May import: node:http, node:fs, node:path, node:crypto, core/shared.
export { startServer, LOOPBACK, type RunningServer, type ServerBackend, type ServerOptions } from './server.js';
export { cookieName } from './access.js';
