// Named points in an upscale where the fault-injection tests (test/integration/fault-injection.test.ts) stop the
// engine to kill it there: `decode` (before the input is decoded), `inference` (before the first tile), `encode` (the
// output's temp file complete, before its rename) and `renamed` (the output in place, before the result is reported).
// Off unless TINYSR_TEST_PAUSE_AT names a point: then the engine writes TINYSR_TEST_PAUSE_FILE (JSON: the point, its
// pid, the output) when it gets there and waits until the job is cancelled, so a test can wait for the file (never a
// timer) and then kill whichever process it means to.
//
// May import: node:fs, node:path.
import { rename, writeFile } from 'node:fs/promises';

export const FAULT_POINTS = ['decode', 'inference', 'encode', 'renamed'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

/** What the marker file says: where the engine stopped. */
export interface FaultPointReached {
  point: FaultPoint;
  pid: number;
  output: string;
}

/** Resolves at once unless the test hook names `point`; then announces it and resolves when `signal` aborts. */
export async function faultPoint(point: FaultPoint, output: string, signal: AbortSignal | undefined): Promise<void> {
  const file = process.env.TINYSR_TEST_PAUSE_FILE;
  if (process.env.TINYSR_TEST_PAUSE_AT !== point || file === undefined) return;
  const reached: FaultPointReached = { point, pid: process.pid, output };
  // Written whole and renamed, so the test never reads half a marker.
  await writeFile(`${file}.part`, JSON.stringify(reached));
  await rename(`${file}.part`, file);
  await new Promise<void>((resolve) => {
    if (signal === undefined || signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
