import { describe, expect, it } from 'vitest';
import { runTileLoop, type TileLoopOptions, type TilePass, type TileRunner } from '../../electron/core/engine/tile-loop.js';
import type { NoticeEvent, ProviderName } from '../../electron/core/shared/engine-protocol.js';
import { AppError } from '../../electron/core/shared/errors.js';
import { PauseController } from '../../electron/core/shared/pause.js';

const SCALE = 2;

/** A pass over a 256 x 256 image: records which tiles it accepted and checks the output sizes. */
class FakePass implements TilePass {
  readonly tiles: number;
  readonly accepted: number[] = [];
  constructor(readonly tileWidth: number) {
    this.tiles = Math.ceil(256 / tileWidth) ** 2;
  }
  get tileHeight(): number {
    return this.tileWidth;
  }
  input(first: number, count: number): Float32Array {
    return new Float32Array(count * 3 * this.tileWidth * this.tileHeight).fill(first);
  }
  accept(first: number, count: number, output: Float32Array): void {
    expect(output.length).toBe(count * 3 * this.tileWidth * SCALE * this.tileHeight * SCALE);
    for (let i = 0; i < count; i++) this.accepted.push(first + i);
  }
}

/** A model whose provider has `budget` input floats of memory; cuda is missing when `cudaMissing`. */
function fakeProviders(budget: Partial<Record<ProviderName, number>>, calls: string[]) {
  return async (provider: ProviderName): Promise<TileRunner> => {
    const limit = budget[provider];
    if (limit === undefined) {
      throw new AppError('PROVIDER_UNAVAILABLE', `${provider} missing`, { details: { provider, reason: 'no library' } });
    }
    return {
      async run(input, count, height, width) {
        calls.push(`${provider}:${count}x${width}`);
        if (input.length > limit) throw new Error('Failed to allocate memory for requested buffer');
        return new Float32Array(count * 3 * height * SCALE * width * SCALE);
      },
    };
  };
}

function options(overrides: Partial<TileLoopOptions> & Pick<TileLoopOptions, 'runnerFor'>): { options: TileLoopOptions; notices: NoticeEvent[]; passes: FakePass[]; progress: number[] } {
  const notices: NoticeEvent[] = [];
  const passes: FakePass[] = [];
  const progress: number[] = [];
  return {
    notices,
    passes,
    progress,
    options: {
      initial: { provider: 'cuda', batch: 4, tile: 128 },
      fallbacks: ['cpu'],
      tileRule: { mode: 'free', multipleOf: 16, min: 32, max: 256, default: 128 },
      overlap: 8,
      releaseProvider: async () => undefined,
      beginPass: (tile) => {
        const pass = new FakePass(tile);
        passes.push(pass);
        return pass;
      },
      onNotice: (n) => notices.push(n),
      onTile: (done) => progress.push(done),
      ...overrides,
    },
  };
}

describe('runTileLoop', () => {
  it('holds between batches while paused, keeping the finished tiles, and goes on from there on resume', async () => {
    const calls: string[] = [];
    const pause = new PauseController();
    const holds: string[] = [];
    const { options: opts, progress } = options({ runnerFor: fakeProviders({ cuda: Infinity }, calls), initial: { provider: 'cuda', batch: 1, tile: 128 } });
    let resumed = false;
    const loop = runTileLoop({
      ...opts,
      pause,
      onTile: (done) => {
        progress.push(done);
        if (done === 1) pause.pause();
      },
      onHold: (paused, done, tiles) => {
        holds.push(`${paused ? 'paused' : 'resumed'} after ${done}/${tiles}`);
        if (paused) {
          // Nothing more runs while paused: the loop waits before tile 2.
          expect(calls).toHaveLength(1);
          resumed = true;
          queueMicrotask(() => pause.resume());
        }
      },
    });
    await loop;
    expect(resumed).toBe(true);
    expect(holds).toEqual(['paused after 1/4', 'resumed after 1/4']);
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it('a cancel ends a paused loop', async () => {
    const pause = new PauseController();
    pause.pause();
    const controller = new AbortController();
    const { options: opts } = options({ runnerFor: fakeProviders({ cuda: Infinity }, []) });
    const loop = runTileLoop({ ...opts, pause, signal: controller.signal, onHold: () => controller.abort() });
    await expect(loop).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('runs every tile in batches and reports each tile', async () => {
    const calls: string[] = [];
    const { options: o, passes, progress, notices } = options({ runnerFor: fakeProviders({ cuda: Infinity }, calls), initial: { provider: 'cuda', batch: 3, tile: 64 } });
    const result = await runTileLoop(o);
    expect(result).toEqual({ plan: { provider: 'cuda', batch: 3, tile: 64 }, tiles: 16 });
    expect(calls).toEqual(['cuda:3x64', 'cuda:3x64', 'cuda:3x64', 'cuda:3x64', 'cuda:3x64', 'cuda:1x64']);
    expect(passes[0]?.accepted).toEqual([...Array(16).keys()]);
    expect(progress).toEqual([...Array(16).keys()].map((i) => i + 1));
    expect(notices).toEqual([]);
  });

  it('falls back to the next provider with a notice when a session cannot be created', async () => {
    const calls: string[] = [];
    const { options: o, notices } = options({ runnerFor: fakeProviders({ cpu: Infinity }, calls) });
    const result = await runTileLoop(o);
    expect(result.plan.provider).toBe('cpu');
    expect(notices.map((n) => n.code)).toEqual(['provider-fallback']);
    expect(notices[0]?.details).toMatchObject({ from: 'cuda', to: 'cpu', reason: 'no library' });
  });

  it('shrinks the batch, then the tile, restarting the pass when the tile changes', async () => {
    const calls: string[] = [];
    // cuda fits one 64 px tile (3 x 64 x 64 floats) and nothing larger.
    const released: ProviderName[] = [];
    const { options: o, notices, passes } = options({
      runnerFor: fakeProviders({ cuda: 3 * 64 * 64, cpu: Infinity }, calls),
      releaseProvider: async (p) => void released.push(p),
    });
    const result = await runTileLoop(o);
    expect(notices.map((n) => n.code)).toEqual(['oom-smaller-batch', 'oom-smaller-batch', 'oom-smaller-tile']);
    expect(result).toEqual({ plan: { provider: 'cuda', batch: 1, tile: 64 }, tiles: 16 });
    expect(passes.map((p) => p.tileWidth)).toEqual([128, 64]);
    expect(passes[1]?.accepted).toEqual([...Array(16).keys()]);
    expect(released).toEqual(['cuda', 'cuda', 'cuda']);
  });

  it('moves to the next provider with the initial batch and tile when the smallest plan still fails', async () => {
    const calls: string[] = [];
    const { options: o, notices } = options({
      runnerFor: fakeProviders({ cuda: 0, cpu: Infinity }, calls),
      tileRule: { mode: 'fixed', size: 128 },
    });
    const result = await runTileLoop(o);
    expect(notices.map((n) => n.code)).toEqual(['oom-smaller-batch', 'oom-smaller-batch', 'oom-next-provider']);
    expect(result.plan).toEqual({ provider: 'cpu', batch: 4, tile: 128 });
  });

  it('fails with OUT_OF_MEMORY when nothing is left to try', async () => {
    const { options: o } = options({ runnerFor: fakeProviders({ cpu: 0 }, []), initial: { provider: 'cpu', batch: 1, tile: 128 }, fallbacks: [], tileRule: { mode: 'fixed', size: 128 } });
    await expect(runTileLoop(o)).rejects.toMatchObject({ code: 'OUT_OF_MEMORY' });
  });

  it('reports other model failures as INFERENCE_FAILED without retrying', async () => {
    const calls: string[] = [];
    const runnerFor = async (): Promise<TileRunner> => ({
      run: async () => {
        calls.push('run');
        throw new Error('Non-zero status code returned while running Conv node');
      },
    });
    const { options: o } = options({ runnerFor });
    await expect(runTileLoop(o)).rejects.toMatchObject({ code: 'INFERENCE_FAILED', message: expect.stringContaining('Conv node') });
    expect(calls).toEqual(['run']);
  });

  it('stops between batches when cancelled', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const { options: o, progress } = options({
      runnerFor: fakeProviders({ cuda: Infinity }, calls),
      initial: { provider: 'cuda', batch: 4, tile: 64 },
      signal: controller.signal,
      onTile: (done) => {
        progress.push(done);
        if (done === 4) controller.abort();
      },
    });
    await expect(runTileLoop(o)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(calls).toEqual(['cuda:4x64']);
    expect(progress).toEqual([1, 2, 3, 4]);
  });
});
