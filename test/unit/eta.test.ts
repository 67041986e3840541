import { describe, expect, it } from 'vitest';
import { formatDuration, ThroughputEta } from '../../electron/core/engine/eta.js';

describe('ThroughputEta', () => {
  it('has no estimate before the first measurement', () => {
    expect(new ThroughputEta().estimateMs(1000)).toBeNull();
  });

  it('estimates remaining work from the measured rate', () => {
    const eta = new ThroughputEta();
    eta.record(100, 50); // 0.5 ms per unit
    expect(eta.estimateMs(400)).toBeCloseTo(200);
  });

  it('follows a changing rate smoothly (exponential average)', () => {
    const eta = new ThroughputEta(0.5);
    eta.record(10, 10); // 1 ms/unit
    eta.record(10, 30); // 3 ms/unit -> average 2
    expect(eta.msPerUnit).toBeCloseTo(2);
    eta.record(10, 30); // -> 2.5
    expect(eta.estimateMs(2)).toBeCloseTo(5);
  });

  it('serves mixed work sizes with one rate', () => {
    const eta = new ThroughputEta(1);
    eta.record(64 * 64, 40);
    expect(eta.estimateMs(128 * 128)).toBeCloseTo(160);
  });

  it('ignores empty or invalid measurements and never estimates below zero', () => {
    const eta = new ThroughputEta();
    eta.record(0, 10);
    eta.record(10, Number.NaN);
    expect(eta.msPerUnit).toBeUndefined();
    eta.record(10, 10);
    expect(eta.estimateMs(-5)).toBe(0);
  });

  it('rejects a smoothing factor outside (0, 1]', () => {
    expect(() => new ThroughputEta(0)).toThrow(RangeError);
    expect(() => new ThroughputEta(1.5)).toThrow(RangeError);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0:00'],
    [3_400, '0:03'],
    [247_000, '4:07'],
    [3_909_000, '1:05:09'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
