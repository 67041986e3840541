// What to try after onnxruntime fails to allocate memory: a smaller batch, then (free-size models only) a smaller
// tile, then the next provider in the order with the original batch and tile, then give up. Each step is returned
// with a notice for the user. Pure: the engine applies the plan, a unit test drives it with a fake runner.
//
// May import: core/shared.
import type { NoticeEvent, ProviderName } from '../shared/engine-protocol.js';
import type { TileRule } from '../shared/manifest.js';

export interface ExecutionPlan {
  provider: ProviderName;
  /** Tiles per session.run. */
  batch: number;
  /** LR tile side. */
  tile: number;
}

export interface RecoveryContext {
  tileRule: TileRule;
  /** LR overlap between tiles: a tile must stay larger than twice the overlap to make progress. */
  overlap: number;
  /** Providers still to try after the current one, best first. */
  remainingProviders: readonly ProviderName[];
  /** The plan the job started with; the next provider starts from it again. */
  initial: ExecutionPlan;
}

export interface RecoveryStep {
  plan: ExecutionPlan;
  notice: NoticeEvent;
}

const OOM_PATTERNS = [
  /out of memory/i,
  /failed to allocate/i,
  /bad_alloc/i,
  /E_OUTOFMEMORY/,
  /ALLOC_FAILED/,
  /cannot allocate memory/i,
  /allocation failed/i,
  /OrtMemoryAllocation|BFCArena/i,
];

/** Whether an error from onnxruntime (or a JS typed-array allocation) means memory ran out. */
export function isOutOfMemory(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return OOM_PATTERNS.some((p) => p.test(message));
}

/** The largest allowed tile side at most half of `tile`, or undefined when the rule allows none that makes progress. */
function smallerTile(tile: number, rule: TileRule, overlap: number): number | undefined {
  if (rule.mode === 'fixed') return undefined;
  const half = Math.floor(tile / 2 / rule.multipleOf) * rule.multipleOf;
  const next = Math.max(half, Math.ceil(rule.min / rule.multipleOf) * rule.multipleOf);
  return next < tile && next > 2 * overlap ? next : undefined;
}

/** The next plan after an allocation failure with `current`, or undefined when nothing is left to try. */
export function nextPlanAfterOutOfMemory(current: ExecutionPlan, context: RecoveryContext): RecoveryStep | undefined {
  if (current.batch > 1) {
    const batch = Math.max(1, Math.floor(current.batch / 2));
    return {
      plan: { ...current, batch },
      notice: {
        type: 'notice',
        code: 'oom-smaller-batch',
        message: `Out of memory on ${current.provider} with ${current.batch} tiles per run; retrying with ${batch}.`,
        details: { provider: current.provider, from: current.batch, to: batch },
      },
    };
  }
  const tile = smallerTile(current.tile, context.tileRule, context.overlap);
  if (tile !== undefined) {
    return {
      plan: { ...current, tile },
      notice: {
        type: 'notice',
        code: 'oom-smaller-tile',
        message: `Out of memory on ${current.provider} with ${current.tile} px tiles; retrying with ${tile} px tiles.`,
        details: { provider: current.provider, from: current.tile, to: tile },
      },
    };
  }
  const provider = context.remainingProviders[0];
  if (provider === undefined) return undefined;
  return {
    plan: { ...context.initial, provider },
    notice: {
      type: 'notice',
      code: 'oom-next-provider',
      message: `Out of memory on ${current.provider} even with one ${current.tile} px tile per run; switching to ${provider}.`,
      details: { from: current.provider, to: provider },
    },
  };
}
