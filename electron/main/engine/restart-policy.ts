// When to restart a crashed engine: at once after a first crash, then with a growing delay, and not at all once it
// has crashed too often in a short window (a model that kills the process on load would otherwise loop forever).
// Pure: the supervisor passes the crash times it remembers and the current time.
//
// May import: nothing.

export interface RestartPolicy {
  /** Crashes within `windowMs` that make the supervisor give up until the user restarts the engine. */
  maxCrashes: number;
  windowMs: number;
  /** Delay before the n-th restart in the window (the last value repeats). */
  delaysMs: readonly number[];
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxCrashes: 4, windowMs: 60_000, delaysMs: [0, 1_000, 5_000] };

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; crashes: number; windowMs: number };

/** @param crashTimes times of the crashes so far, including the one being decided on. */
export function decideRestart(policy: RestartPolicy, crashTimes: readonly number[], now: number): RestartDecision {
  const recent = crashTimes.filter((t) => now - t < policy.windowMs).length;
  if (recent >= policy.maxCrashes) return { restart: false, crashes: recent, windowMs: policy.windowMs };
  const delays = policy.delaysMs.length ? policy.delaysMs : [0];
  return { restart: true, delayMs: delays[Math.min(recent, delays.length) - 1] ?? delays[delays.length - 1] ?? 0 };
}
