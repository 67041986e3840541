// The queue as the renderer sees it: the latest snapshot from the service, kept current by `queue/changed`,
// `item/progress` and `queue/finished` events (and reloaded after the event stream reconnects), plus the actions the UI offers (add, start, pause, resume, cancel,
// retry, remove, clear) and which of them make sense right now. The service owns the queue; this class only mirrors
// it, so a reload or a second window shows the same thing.
//
// May import: electron/core/shared (types), lib/backend.
import type {
  ApiResult,
  AppErrorData,
  OverallProgress,
  QueueItem,
  QueueSnapshot,
  QueueStatus,
  QueueSummary,
} from '../../../../electron/core/shared/api.js';
import type { ItemOverrides, ItemSettingKey } from '../../../../electron/core/shared/settings.js';
import { errorData } from '../backend/errors.js';
import type { RendererBackend } from '../backend/types.js';

export interface AddRejection {
  path: string;
  error: AppErrorData;
}

const EMPTY_OVERALL: OverallProgress = { total: 0, queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, fraction: 0, etaMs: null, run: { finished: 0, total: 0 } };

/** What a running item is about to do, shown at once when the user asks (the service confirms it by events). */
export type ItemActivity = 'cancelling' | 'pausing' | 'paused';

export class QueueStore {
  status = $state<QueueStatus>('idle');
  items = $state<QueueItem[]>([]);
  overall = $state<OverallProgress>(EMPTY_OVERALL);
  summary = $state<QueueSummary | undefined>(undefined);
  /** Files the last add refused, with the reason for each. */
  rejected = $state<AddRejection[]>([]);
  /** The last action that failed (shown until the next action succeeds). */
  actionError = $state<AppErrorData | undefined>(undefined);
  /** True until the first snapshot arrived. */
  loading = $state(true);
  selectedId = $state<string | undefined>(undefined);
  /** Uploads under way (browser mode): how many of how many files have been sent. */
  uploading = $state<{ sent: number; total: number } | undefined>(undefined);
  /** Items the user cancelled that have not ended yet: they read "Cancelling..." from the click on. */
  cancelling = $state<string[]>([]);

  readonly selected = $derived(this.items.find((item) => item.id === this.selectedId));
  readonly running = $derived(this.items.find((item) => item.state === 'running'));
  readonly queuedCount = $derived(this.items.filter((item) => item.state === 'queued').length);
  readonly failedCount = $derived(this.items.filter((item) => item.state === 'failed').length);
  /** What "Clear finished" removes: done and cancelled items (failures stay until dealt with). */
  readonly clearableCount = $derived(this.items.filter((item) => item.state === 'done' || item.state === 'cancelled').length);
  readonly canStart = $derived(this.status === 'idle' && this.queuedCount > 0);
  readonly canPause = $derived(this.status === 'running');
  readonly canResume = $derived(this.status === 'paused');
  readonly canCancelAll = $derived(this.items.some((item) => item.state === 'queued' || item.state === 'running'));

  readonly #backend: RendererBackend;
  /** The summary the user dismissed (by its finishedAt): later snapshots carry it again and must not bring it back. */
  #dismissedSummary: string | undefined;
  /** Revision of the snapshot shown (not reactive state: nothing renders it). */
  #revision: number | undefined;

  constructor(backend: RendererBackend) {
    this.#backend = backend;
  }

  /** Subscribes to the service's events and loads the queue (AppState reloads it after a lost connection); returns the unsubscribe. */
  connect(): () => void {
    const unsubscribers = [
      this.#backend.on('queue/changed', (snapshot) => this.apply(snapshot)),
      this.#backend.on('item/progress', ({ id, progress, overall }) => {
        const item = this.items.find((candidate) => candidate.id === id);
        if (item !== undefined) item.progress = progress;
        this.overall = overall;
      }),
      this.#backend.on('queue/finished', (summary) => {
        this.summary = this.#unlessDismissed(summary);
      }),
    ];
    void this.refresh();
    return () => unsubscribers.forEach((unsubscribe) => unsubscribe());
  }

  /** Reloads the whole queue; authoritative, so it also resets the revision (a restarted service counts from 0). */
  async refresh(): Promise<void> {
    await this.#act(async () => this.apply(await this.#backend.invoke('queue/list', {}), { authoritative: true }));
  }

  /**
   * Shows `snapshot` unless a newer one is already shown: a call's reply can arrive after the `queue/changed` events
   * that followed it (tiny images finish in milliseconds), and showing it would roll the queue back, e.g. to a
   * "running" state that never ends.
   */
  apply(snapshot: QueueSnapshot, { authoritative = false }: { authoritative?: boolean } = {}): void {
    if (!authoritative && this.#revision !== undefined && snapshot.revision < this.#revision) return;
    this.#revision = snapshot.revision;
    this.status = snapshot.status;
    this.items = snapshot.items;
    this.overall = snapshot.overall;
    this.summary = this.#unlessDismissed(snapshot.summary);
    this.loading = false;
    const busy = snapshot.items.filter((item) => item.state === 'queued' || item.state === 'running').map((item) => item.id);
    if (this.cancelling.some((id) => !busy.includes(id))) this.cancelling = this.cancelling.filter((id) => busy.includes(id));
    if (this.selectedId !== undefined && !snapshot.items.some((item) => item.id === this.selectedId)) this.selectedId = undefined;
    if (this.selectedId === undefined) this.selectedId = snapshot.items[0]?.id;
  }

  /** What the item is about to do or doing instead of running on: cancelling, pausing after its tile, or paused. */
  activity(item: QueueItem): ItemActivity | undefined {
    if (item.state !== 'running' && item.state !== 'queued') return undefined;
    if (this.cancelling.includes(item.id)) return 'cancelling';
    if (item.state !== 'running' || this.status !== 'paused') return undefined;
    return item.progress?.paused === true ? 'paused' : 'pausing';
  }

  select(id: string | undefined): void {
    this.selectedId = id;
  }

  /** Adds paths the user chose; returns how many were added (refusals land in `rejected`). */
  async add(paths: string[], recursive?: boolean): Promise<number> {
    const trimmed = paths.map((path) => path.trim()).filter((path) => path !== '');
    const cleaned = trimmed.filter((path, index) => trimmed.indexOf(path) === index);
    if (cleaned.length === 0) return 0;
    let added = 0;
    await this.#act(async () => {
      added = this.#applyAdd(await this.#backend.invoke('queue/add', recursive === undefined ? { paths: cleaned } : { paths: cleaned, recursive }));
    });
    return added;
  }

  /**
   * Browser mode: uploads files the user dropped or picked, one after another, into the server's inbox; each is
   * queued as it arrives. Files the server refused (not an image, too large) land in `rejected` with the reason.
   * Returns how many were added.
   */
  async upload(files: readonly File[]): Promise<number> {
    const transfers = this.#backend.transfers;
    if (transfers === undefined || files.length === 0) return 0;
    let added = 0;
    const rejected: AddRejection[] = [];
    this.uploading = { sent: 0, total: files.length };
    for (const file of files) {
      try {
        const answer = await transfers.upload(file);
        added += answer.added.length;
        rejected.push(...answer.rejected.map((rejection) => ({ ...rejection, path: file.name })));
        this.apply(answer.snapshot);
      } catch (error) {
        rejected.push({ path: file.name, error: errorData(error) });
      }
      this.uploading = { sent: this.uploading.sent + 1, total: files.length };
    }
    this.uploading = undefined;
    this.rejected = rejected;
    return added;
  }

  /** Browser mode: saves a done item's result with the browser's download. */
  download = (item: QueueItem): Promise<void> => this.#act(async () => this.#backend.transfers?.download(item.result?.outputImage.handle ?? ''));
  /** Browser mode: saves every done item's result as one ZIP. */
  downloadAll = (): Promise<void> => this.#act(async () => this.#backend.transfers?.downloadAll());
  /** Electron: shows a done item's result selected in its folder. */
  showInFolder = (item: QueueItem): Promise<void> => this.#act(async () => this.#backend.shell?.showInFolder(item.result?.outputImage.handle ?? ''));
  /** Electron: opens the folder a done item's result is in. */
  openFolder = (item: QueueItem): Promise<void> => this.#act(async () => this.#backend.shell?.openFolder(item.result?.outputImage.handle ?? ''));

  /** Opens the host's dialog (files, or folders); the host adds the pick. Returns how many were added. */
  async addFromDialog(folders: boolean): Promise<number> {
    const pickers = this.#backend.pickers;
    if (pickers === undefined) return 0;
    let added = 0;
    await this.#act(async () => {
      const answer = await pickers.addImages({ folders });
      if (answer !== null) added = this.#applyAdd(answer);
    });
    return added;
  }

  start = (): Promise<void> => this.#snapshotAction(() => this.#backend.invoke('queue/start', {}));
  pause = (): Promise<void> => this.#snapshotAction(() => this.#backend.invoke('queue/pause', {}));
  resume = (): Promise<void> => this.#snapshotAction(() => this.#backend.invoke('queue/resume', {}));
  cancelAll = (): Promise<void> => {
    this.#markCancelling(this.items.filter((item) => item.state === 'queued' || item.state === 'running').map((item) => item.id));
    return this.#snapshotAction(() => this.#backend.invoke('queue/cancel', {}));
  };
  retryFailed = (): Promise<void> => this.#snapshotAction(() => this.#backend.invoke('queue/retry', {}));
  clearFinished = (): Promise<void> => this.#snapshotAction(() => this.#backend.invoke('queue/clear', { which: 'finished' }));

  cancel(id: string): Promise<void> {
    this.#markCancelling([id]);
    return this.#snapshotAction(() => this.#backend.invoke('queue/cancel', { ids: [id] }));
  }

  retry(id: string): Promise<void> {
    return this.#snapshotAction(() => this.#backend.invoke('queue/retry', { ids: [id] }));
  }

  /** Runs a finished item again with its settings as they are now (the service starts an idle queue). */
  runAgain(id: string): Promise<void> {
    return this.#snapshotAction(() => this.#backend.invoke('queue/run-again', { ids: [id] }));
  }

  remove(id: string): Promise<void> {
    return this.#snapshotAction(() => this.#backend.invoke('queue/remove', { ids: [id] }));
  }

  /** Sets some of an item's own settings, or (with `reset`) makes them follow the global defaults again. */
  updateItem(id: string, set: ItemOverrides, reset: ItemSettingKey[] = []): Promise<void> {
    return this.#snapshotAction(() => this.#backend.invoke('queue/update-item', reset.length > 0 ? { ids: [id], set, reset } : { ids: [id], set }));
  }

  dismissSummary(): void {
    this.#dismissedSummary = this.summary?.finishedAt;
    this.summary = undefined;
  }

  #unlessDismissed(summary: QueueSummary | undefined): QueueSummary | undefined {
    return summary !== undefined && summary.finishedAt === this.#dismissedSummary ? undefined : summary;
  }

  #markCancelling(ids: string[]): void {
    this.cancelling = [...this.cancelling, ...ids.filter((id) => !this.cancelling.includes(id))];
  }

  dismissRejected(): void {
    this.rejected = [];
  }

  #applyAdd(answer: ApiResult<'queue/add'>): number {
    this.rejected = answer.rejected;
    this.apply(answer.snapshot);
    return answer.added.length;
  }

  async #snapshotAction(action: () => Promise<QueueSnapshot>): Promise<void> {
    await this.#act(async () => this.apply(await action()));
  }

  async #act(action: () => Promise<void>): Promise<void> {
    try {
      await action();
      this.actionError = undefined;
    } catch (error) {
      this.actionError = errorData(error);
      this.cancelling = [];
    }
  }
}
