import { describe, expect, it } from 'vitest';
import { createProgress } from '../../electron/cli/progress.js';
import type { UpscaleResult } from '../../electron/core/shared/engine-protocol.js';
import { AppError } from '../../electron/core/shared/errors.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, out: { isTTY, columns: 200, write: (text: string) => chunks.push(text) } };
}

const RESULT: UpscaleResult = {
  input: '/in/a.png',
  output: '/out/a_x4.png',
  model: 'm',
  inputSize: { width: 10, height: 10 },
  outputSize: { width: 40, height: 40 },
  provider: 'cpu',
  precision: 'fp32',
  tile: 64,
  batch: 1,
  tiles: 4,
  wallMs: 1500,
  runMs: 1000,
};

const progress = (tile: number, etaMs: number | null) => ({ type: 'progress' as const, tile, tiles: 4, ms: 10, elapsedMs: 10 * tile, etaMs });
const notice = { type: 'notice' as const, code: 'provider-fallback' as const, message: 'cuda is not available here, using cpu instead' };

describe('CLI progress', () => {
  it('redraws one bar line with ETAs on a terminal and prints notices once', () => {
    const { chunks, out } = stream(true);
    const p = createProgress(out);
    p.fileStarted(1, 2, '/in/a.png');
    p.event(notice, null);
    p.event(progress(2, 65_000), 130_000);
    p.event(notice, null);
    p.fileDone(RESULT);
    p.close();
    const text = chunks.join('');
    expect(text).toContain('\r\x1b[2K[1/2] a.png  [############------------] 2/4 tiles  ETA 1:05  batch ETA 2:10');
    expect(text.match(/notice: cuda is not available/g)).toHaveLength(1);
    expect(text).toContain('done a.png -> /out/a_x4.png (40x40, 4 tiles on cpu, 1.5 s)\n');
  });

  it('writes plain lines per quarter of the tiles otherwise', () => {
    const { chunks, out } = stream(false);
    const p = createProgress(out);
    p.fileStarted(2, 3, '/in/b.png');
    for (let tile = 1; tile <= 4; tile++) p.event(progress(tile, null), null);
    p.fileFailed('/in/c.png', new AppError('INPUT_CORRUPT', 'c.png is truncated'));
    p.fileSkipped('/in/d.png', '/out/d.png');
    expect(chunks).toEqual([
      '[2/3] /in/b.png: started\n',
      '[2/3] /in/b.png: 25% (1/4 tiles, ETA --:--, batch ETA --:--)\n',
      '[2/3] /in/b.png: 50% (2/4 tiles, ETA --:--, batch ETA --:--)\n',
      '[2/3] /in/b.png: 75% (3/4 tiles, ETA --:--, batch ETA --:--)\n',
      'FAILED /in/c.png: INPUT_CORRUPT: c.png is truncated\n',
      'skipped /in/d.png: /out/d.png exists\n',
    ]);
    expect(chunks.some((c) => c.includes('\r'))).toBe(false);
  });
});
