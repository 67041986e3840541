// Overall progress and ETA of the queue: work in LR pixels so mixed sizes add up, rates measured (never assumed),
// per-item overhead included once measured, null before anything ran.
import { describe, expect, it } from 'vitest';
import { ThroughputMeter, type WorkItem } from '../../electron/core/queue/index.js';

const item = (state: WorkItem['state'], pixels: number | undefined, extra: Partial<WorkItem> = {}): WorkItem => ({ state, pixels, model: 'm', inRun: false, ...extra });

describe('ThroughputMeter', () => {
  it('has no ETA before a tile was measured', () => {
    const meter = new ThroughputMeter();
    expect(meter.overall([item('queued', 1000)])).toMatchObject({ total: 1, queued: 1, fraction: 0, etaMs: null });
    expect(meter.speed('m')).toBeNull();
  });

  it('weights items of mixed sizes by pixels and adds the measured per-item overhead for items not started', () => {
    const meter = new ThroughputMeter();
    meter.recordTile('m', 1000, 2); // 2 ms per 1000 px
    meter.recordItem('m', 'cpu', 500, 300); // 200 ms overhead per item
    const progress = meter.overall([
      item('done', 4000, { inRun: true }),
      item('running', 2000, { fraction: 0.5 }),
      item('queued', 10_000),
      item('failed', 999_999), // finished in an earlier run: not part of this run's work
    ]);
    // remaining: 1000 px of the running item + 10000 px queued at 0.002 ms/px, plus one overhead for the queued item
    expect(progress.etaMs).toBe(Math.round(11_000 * 0.002 + 200));
    expect(progress.fraction).toBeCloseTo((4000 + 1000) / 16_000, 10);
    expect(progress).toMatchObject({ total: 4, done: 1, running: 1, queued: 1, failed: 1 });
    // The run's counter leaves out the failure from an earlier run: 1 of 3 finished, not 2 of 4.
    expect(progress.run).toEqual({ finished: 1, total: 3 });
    expect(meter.speed('m')).toEqual({ msPerMegapixel: 2000, provider: 'cpu' });
  });

  it('uses the other models\' rate for a model not measured yet, and a typical size for an unreadable header', () => {
    const meter = new ThroughputMeter();
    meter.recordTile('a', 100, 1);
    const progress = meter.overall([item('queued', 300, { model: 'b' }), item('queued', undefined, { model: 'b' })]);
    expect(progress.etaMs).toBe(6); // (300 + 300 typical) px at 0.01 ms/px, no overhead measured yet
  });
});
