// Things the user should know that are not tied to one button: provider fallbacks, out-of-memory recovery steps and
// engine restarts from the service's events, and failures of actions elsewhere. Newest first, a few at a time, each
// dismissible (information also goes by itself after a while); the UI announces them through a polite live region. Each says what happened in plain words; the
// engine's raw message goes behind "Details". A provider fallback is said once per window, not once per image.
//
// May import: electron/core/shared (types), lib/backend.
import type { ApiEventPayload, AppErrorData } from '../../../../electron/core/shared/api.js';
import type { RendererBackend } from '../backend/types.js';
import { fallbackMessage } from '../view/providers.js';

export type NoticeTone = 'info' | 'warning' | 'error';

export interface Notice {
  id: number;
  tone: NoticeTone;
  title: string;
  message: string;
  /** The error code or event code, shown small for support and bug reports. */
  code?: string | undefined;
  /** Raw detail behind "Details" (the engine's own message). */
  detail?: string[] | undefined;
  /** How many times this same notice came (a fallback repeats for every image of a batch). */
  count: number;
}

export const MAX_NOTICES = 5;
/** How long an information notice (nothing to act on, e.g. a provider fallback) stays before it goes by itself. */
export const INFO_NOTICE_MS = 15_000;

const ENGINE_NOTICE_TITLES: Record<ApiEventPayload<'engine/notice'>['code'], string> = {
  'provider-fallback': 'Running on another processor',
  'oom-smaller-batch': 'Out of memory: fewer tiles at once',
  'oom-smaller-tile': 'Out of memory: smaller tiles',
  'oom-next-provider': 'Out of memory: moved to the next provider',
};

export class NoticesStore {
  notices = $state<Notice[]>([]);
  #nextId = 1;
  /** Provider fallbacks already told ("cuda>cpu"): every image of a batch repeats them. */
  #toldFallbacks: string[] = [];

  /** Subscribes to the engine's notices and status; returns the unsubscribe. */
  connect(backend: RendererBackend): () => void {
    const unsubscribers = [
      backend.on('engine/notice', (notice) => this.#engineNotice(notice)),
      backend.on('engine/status', (status) =>
        status.state === 'crashed'
          ? this.push({
              tone: 'error',
              title: 'The engine stopped',
              message: `${status.reason ?? 'The engine process exited.'} The running image failed; a fresh engine takes the next one.`,
              code: 'ENGINE_CRASHED',
            })
          : this.push({ tone: 'info', title: 'Engine restarted', message: 'A fresh engine process is running; the queue goes on.' }),
      ),
    ];
    return () => unsubscribers.forEach((unsubscribe) => unsubscribe());
  }

  /** Shows a notice; the same one again moves to the top with its count raised instead of piling up. */
  push(notice: Omit<Notice, 'id' | 'count'>): void {
    const same = this.notices.find((n) => n.title === notice.title && n.message === notice.message && n.code === notice.code);
    const others = this.notices.filter((n) => n !== same);
    const id = this.#nextId++;
    this.notices = [{ ...notice, id, count: (same?.count ?? 0) + 1 }, ...others].slice(0, MAX_NOTICES);
    // Information goes by itself so it does not cover the window; warnings and errors stay until dismissed.
    if (notice.tone === 'info') setTimeout(() => this.dismiss(id), INFO_NOTICE_MS);
  }

  #engineNotice(notice: ApiEventPayload<'engine/notice'>): void {
    const title = ENGINE_NOTICE_TITLES[notice.code];
    if (notice.code !== 'provider-fallback') {
      this.push({ tone: 'warning', title, message: notice.message, code: notice.code });
      return;
    }
    const from = String(notice.details?.from ?? '');
    const to = String(notice.details?.to ?? '');
    const key = `${from}>${to}`;
    if (this.#toldFallbacks.includes(key)) return;
    this.#toldFallbacks = [...this.#toldFallbacks, key];
    this.push({ tone: 'info', title, message: fallbackMessage(from, to), code: notice.code, detail: [notice.message] });
  }

  pushError(title: string, error: AppErrorData): void {
    this.push({ tone: 'error', title, message: error.message, code: error.code });
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((notice) => notice.id !== id);
  }
}
