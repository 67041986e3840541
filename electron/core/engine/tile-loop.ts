// Runs every tile of an image through a model, batch by batch, and recovers from what goes wrong on the way:
// a provider that cannot create a session falls back to the next one (notice `provider-fallback`), and an allocation
// failure follows the out-of-memory policy (smaller batch, smaller tile, next provider; see oom-policy.ts), each step
// reported as a notice. Cancel and pause are checked between batches (a paused loop waits there, tiles kept). Knows no onnxruntime, files or pixels: the model behind a
// TileRunner and the image behind a TilePass, so a unit test can drive it with fakes.
//
// May import: core/shared, ./oom-policy.
import type { NoticeEvent, ProviderName } from '../shared/engine-protocol.js';
import { AppError } from '../shared/errors.js';
import type { TileRule } from '../shared/manifest.js';
import type { PauseController } from '../shared/pause.js';
import { isOutOfMemory, nextPlanAfterOutOfMemory, type ExecutionPlan } from './oom-policy.js';

/** A model session for one provider. */
export interface TileRunner {
  /** Runs `count` tiles (NCHW, count x 3 x height x width floats); returns count x 3 x height*s x width*s floats. */
  run(input: Float32Array, count: number, height: number, width: number): Promise<Float32Array>;
}

/** One pass over an image with one tile side: where the model inputs come from and where the outputs go. */
export interface TilePass {
  readonly tiles: number;
  /** LR tile size of this pass, px. */
  readonly tileWidth: number;
  readonly tileHeight: number;
  /** Model input for tiles [first, first + count). */
  input(first: number, count: number): Float32Array;
  /** Takes the model output for tiles [first, first + count). */
  accept(first: number, count: number, output: Float32Array): void;
}

export interface TileLoopOptions {
  initial: ExecutionPlan;
  /** Providers to fall back to after initial.provider, best first. */
  fallbacks: readonly ProviderName[];
  tileRule: TileRule;
  overlap: number;
  /** A runner for `provider`; throws PROVIDER_UNAVAILABLE when the provider does not work here. */
  runnerFor(provider: ProviderName): Promise<TileRunner>;
  /** Drops the provider's sessions so the memory they hold is returned before retrying. */
  releaseProvider(provider: ProviderName): Promise<void>;
  /** Starts a fresh pass (new tile plan, empty output) with LR tile side `tile`. */
  beginPass(tile: number): TilePass;
  signal?: AbortSignal | undefined;
  /** While paused, the loop waits before its next batch (a cancel still ends it). */
  pause?: PauseController | undefined;
  /** The loop stopped for a pause (true) or went on (false), after `done` of `tiles` tiles. */
  onHold?(paused: boolean, done: number, tiles: number): void;
  onNotice(notice: NoticeEvent): void;
  /** After each tile: tiles done, tiles in the pass, ms this tile took, LR px the tile covered. */
  onTile(done: number, tiles: number, ms: number, tileArea: number): void;
}

export interface TileLoopResult {
  /** The plan that finished the image. */
  plan: ExecutionPlan;
  tiles: number;
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AppError('CANCELLED', 'The job was cancelled; nothing was written.');
}

export async function runTileLoop(options: TileLoopOptions): Promise<TileLoopResult> {
  const { signal, tileRule, overlap, initial } = options;
  let remaining = [...options.fallbacks];

  /** A runner for `provider`, or for the first fallback that works, each skipped provider reported. */
  async function acquire(provider: ProviderName): Promise<[ProviderName, TileRunner]> {
    for (let candidate: ProviderName | undefined = provider; candidate !== undefined; ) {
      try {
        return [candidate, await options.runnerFor(candidate)];
      } catch (err) {
        const next = remaining.shift();
        if (!(err instanceof AppError) || err.code !== 'PROVIDER_UNAVAILABLE' || next === undefined) throw err;
        options.onNotice({
          type: 'notice',
          code: 'provider-fallback',
          message: `${candidate} is not available here, using ${next} instead: ${err.message}`,
          details: { from: candidate, to: next, reason: err.details?.reason ?? err.message },
        });
        candidate = next;
      }
    }
    throw new AppError('INTERNAL', 'no provider to try');
  }

  throwIfCancelled(signal);
  let [provider, runner] = await acquire(initial.provider);
  let plan: ExecutionPlan = { ...initial, provider };
  let pass = options.beginPass(plan.tile);
  let next = 0;
  while (next < pass.tiles) {
    throwIfCancelled(signal);
    if (options.pause?.paused) {
      options.onHold?.(true, next, pass.tiles);
      await options.pause.whilePaused(signal);
      options.onHold?.(false, next, pass.tiles);
    }
    const count = Math.min(plan.batch, pass.tiles - next);
    const started = performance.now();
    let output: Float32Array;
    try {
      output = await runner.run(pass.input(next, count), count, pass.tileHeight, pass.tileWidth);
    } catch (err) {
      if (err instanceof AppError && err.code === 'CANCELLED') throw err;
      if (!isOutOfMemory(err)) {
        throw new AppError('INFERENCE_FAILED', `The model failed on ${plan.provider} (tiles ${next + 1}-${next + count} of ${pass.tiles}): ${(err as Error).message}`, {
          details: { provider: plan.provider, tile: plan.tile, batch: plan.batch },
          cause: err,
        });
      }
      const step = nextPlanAfterOutOfMemory(plan, { tileRule, overlap, remainingProviders: remaining, initial: { ...initial, provider: plan.provider } });
      await options.releaseProvider(plan.provider);
      if (!step) {
        throw new AppError(
          'OUT_OF_MEMORY',
          `Out of memory on ${plan.provider} even with one ${plan.tile} px tile per run and no other provider to try; close other programs or use a smaller tile.`,
          { details: { provider: plan.provider, tile: plan.tile, batch: plan.batch }, cause: err },
        );
      }
      options.onNotice(step.notice);
      if (step.plan.provider !== plan.provider) {
        remaining = remaining.filter((p) => p !== step.plan.provider);
        [provider, runner] = await acquire(step.plan.provider);
      } else {
        runner = await options.runnerFor(plan.provider);
      }
      const tileChanged = step.plan.tile !== plan.tile;
      plan = { ...step.plan, provider };
      if (tileChanged) {
        pass = options.beginPass(plan.tile);
        next = 0;
      }
      continue;
    }
    pass.accept(next, count, output);
    const msPerTile = (performance.now() - started) / count;
    for (let i = 0; i < count; i++) options.onTile(next + i + 1, pass.tiles, msPerTile, pass.tileWidth * pass.tileHeight);
    next += count;
  }
  return { plan, tiles: pass.tiles };
}
