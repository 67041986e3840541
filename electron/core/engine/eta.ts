// Honest ETA from measured throughput. Work is counted in units that scale with compute (LR pixels of tile area),
// so one rate serves images of any size and a batch of mixed sizes. The rate is an exponentially weighted average of
// ms per unit: it follows a provider warming up or slowing down without jumping on one odd measurement. Pure.
//
// May import: nothing.

export class ThroughputEta {
  private msPerUnitAverage: number | undefined;

  /** @param smoothing weight of the newest measurement, in (0, 1]. */
  constructor(private readonly smoothing = 0.3) {
    if (!(smoothing > 0 && smoothing <= 1)) throw new RangeError(`smoothing must be in (0, 1], got ${smoothing}`);
  }

  /** Records that `units` of work took `ms`. Empty work is ignored. */
  record(units: number, ms: number): void {
    if (!(units > 0) || !(ms >= 0)) return;
    const rate = ms / units;
    this.msPerUnitAverage = this.msPerUnitAverage === undefined ? rate : this.msPerUnitAverage + this.smoothing * (rate - this.msPerUnitAverage);
  }

  /** Milliseconds per unit of work, undefined before the first measurement. */
  get msPerUnit(): number | undefined {
    return this.msPerUnitAverage;
  }

  /** Estimated milliseconds for `remainingUnits`, or null before anything was measured. */
  estimateMs(remainingUnits: number): number | null {
    if (this.msPerUnitAverage === undefined) return null;
    return Math.max(0, remainingUnits) * this.msPerUnitAverage;
  }
}

/** `1:05:09`, `4:07`, `0:03`: a duration for a progress line. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
