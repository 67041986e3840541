// Server-Sent Events for browser mode: one `text/event-stream` response per open page, each API event written as one
// unnamed SSE message whose data is the contract's ApiEventMessage JSON (`{"event": ..., "payload": ...}`), plus a
// comment heartbeat so proxies and idle timers never close a quiet stream and the page can tell a hung server. The browser's half of `Backend.on`.
//
// May import: node:http (types), core/shared.
import type { ServerResponse } from 'node:http';
import type { ApiEventMessage } from '../shared/api.js';

/** Every second: the page takes 2 s without a byte as a lost server (renderer's http-backend.ts), hung or gone. */
const HEARTBEAT_MS = 1000;

export class EventStreams {
  readonly #clients = new Set<ServerResponse>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor() {
    this.#heartbeat = setInterval(() => this.#writeAll(': heartbeat\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Turns `response` into an event stream until the browser goes away or the server closes. */
  open(response: ServerResponse, headers: Record<string, string>): void {
    response.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // Reconnect delay for EventSource, then an immediate comment so the browser's `open` fires without waiting.
    response.write('retry: 1000\n: connected\n\n');
    this.#clients.add(response);
    response.on('close', () => this.#clients.delete(response));
  }

  send(message: ApiEventMessage): void {
    this.#writeAll(`data: ${JSON.stringify(message)}\n\n`);
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #writeAll(chunk: string): void {
    for (const client of this.#clients) client.write(chunk);
  }
}
