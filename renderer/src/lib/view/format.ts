// How numbers read in the UI: durations for ETAs, percentages, sizes, parameter counts. Pure.
//
// May import: nothing.

/** `1:05:09`, `4:07`, `0:03`; `—` when unknown. */
export function formatEta(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h > 0 ? `${h}:${String(m).padStart(2, '0')}` : String(m)}:${String(s).padStart(2, '0')}`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)} %`;
}

export function formatSize(size: { width: number; height: number } | undefined): string {
  return size === undefined ? '' : `${size.width} × ${size.height}`;
}

/** 1234 -> `1.2 k`, 16_700_000 -> `16.7 M`, 3.2e9 -> `3.2 G`. */
export function formatCount(value: number): string {
  const units: Array<[number, string]> = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [limit, unit] of units) if (value >= limit) return `${(value / limit).toFixed(1)} ${unit}`;
  return String(Math.round(value));
}

/** A duration of a second or more in words for people: "45 s", "1 min 20 s", "1 h 5 min". */
export function formatDuration(ms: number): string {
  const total = Math.max(1, Math.round(ms / 1000));
  if (total < 60) return `${total} s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h${m > 0 ? ` ${m} min` : ''}`;
  return `${m} min${s > 0 ? ` ${s} s` : ''}`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
