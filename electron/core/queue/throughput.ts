// Overall progress and an honest ETA for the whole queue. Work is counted in LR pixels (what tile compute scales
// with), so items of mixed sizes add up. Rates are measured, never assumed: ms per LR pixel of tile compute per model
// (from the engine's per-tile times) plus a per-item overhead (model load, decode, encode: wall time minus tile time).
// Before anything was measured the ETA is null ("estimating"), not a guess.
//
// May import: core/engine (ThroughputEta, pure), core/shared.
import { ThroughputEta } from '../engine/index.js';
import type { OverallProgress } from '../shared/api.js';
import type { ProviderName } from '../shared/engine-protocol.js';

/** Pixels assumed for an item whose header could not be read (its run fails fast anyway). */
const UNKNOWN_SIZE_PIXELS = 1_000_000;

export interface WorkItem {
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  /** LR pixels; undefined when unknown. */
  pixels: number | undefined;
  model: string;
  /** Fraction done, for the running item. */
  fraction?: number | undefined;
  /** Whether the item ended during the current run (counts toward the run's fraction). */
  inRun: boolean;
}

export class ThroughputMeter {
  private readonly tileRate = new Map<string, ThroughputEta>();
  private readonly overhead = new ThroughputEta();
  private readonly lastProvider = new Map<string, ProviderName>();

  /** One tile of `pixelsPerTile` LR pixels took `ms` on `model`. */
  recordTile(model: string, pixelsPerTile: number, ms: number): void {
    let eta = this.tileRate.get(model);
    if (!eta) {
      eta = new ThroughputEta();
      this.tileRate.set(model, eta);
    }
    eta.record(pixelsPerTile, ms);
  }

  /** An item finished: its wall time beyond tile compute is per-item overhead. */
  recordItem(model: string, provider: ProviderName, wallMs: number, tileMs: number): void {
    this.overhead.record(1, Math.max(0, wallMs - tileMs));
    this.lastProvider.set(model, provider);
  }

  /** Measured ms per LR pixel for `model`; another model's average when this one has not run yet. */
  msPerPixel(model: string): number | undefined {
    const own = this.tileRate.get(model)?.msPerUnit;
    if (own !== undefined) return own;
    const known = [...this.tileRate.values()].map((e) => e.msPerUnit).filter((r): r is number => r !== undefined);
    return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0) / known.length;
  }

  /** For models/list: measured speed of a model that ran in this session. */
  speed(model: string): { msPerMegapixel: number; provider: ProviderName } | null {
    const rate = this.tileRate.get(model)?.msPerUnit;
    const provider = this.lastProvider.get(model);
    return rate === undefined || provider === undefined ? null : { msPerMegapixel: rate * 1e6, provider };
  }

  overall(items: readonly WorkItem[]): OverallProgress {
    const count = (state: WorkItem['state']): number => items.filter((i) => i.state === state).length;
    const known = items.map((i) => i.pixels).filter((p): p is number => p !== undefined);
    const typical = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : UNKNOWN_SIZE_PIXELS;
    const pixels = (item: WorkItem): number => item.pixels ?? typical;

    let total = 0;
    let done = 0;
    let etaMs: number | null = 0;
    for (const item of items) {
      const pending = item.state === 'queued' || item.state === 'running';
      if (!pending && !item.inRun) continue;
      if (item.state === 'cancelled') continue;
      const size = pixels(item);
      const finished = item.state === 'running' ? (item.fraction ?? 0) : pending ? 0 : 1;
      total += size;
      done += size * finished;
      if (pending && etaMs !== null) {
        const rate = this.msPerPixel(item.model);
        const overhead = this.overhead.msPerUnit;
        etaMs = rate === undefined ? null : etaMs + size * (1 - finished) * rate + (item.state === 'queued' ? (overhead ?? 0) : 0);
      }
    }
    const inRun = items.filter((i) => i.inRun || i.state === 'queued' || i.state === 'running');
    return {
      total: items.length,
      queued: count('queued'),
      running: count('running'),
      done: count('done'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      fraction: total === 0 ? (count('queued') > 0 ? 0 : 1) : Math.min(1, done / total),
      etaMs: etaMs === null ? null : Math.round(etaMs),
      run: { finished: inRun.filter((i) => i.state !== 'queued' && i.state !== 'running').length, total: inRun.length },
    };
  }
}
