import { describe, expect, it } from 'vitest';
import { isOutOfMemory, nextPlanAfterOutOfMemory, type ExecutionPlan, type RecoveryContext } from '../../electron/core/engine/oom-policy.js';

const free = { mode: 'free', multipleOf: 8, min: 32, max: 512, default: 256 } as const;
const fixed = { mode: 'fixed', size: 128 } as const;

function context(overrides: Partial<RecoveryContext> = {}): RecoveryContext {
  return { tileRule: free, overlap: 8, remainingProviders: ['cpu'], initial: { provider: 'cuda', batch: 4, tile: 256 }, ...overrides };
}

/** Applies the policy until it gives up; returns every step's notice code and plan. */
function walk(start: ExecutionPlan, ctx: RecoveryContext): [string, ExecutionPlan][] {
  const steps: [string, ExecutionPlan][] = [];
  let plan = start;
  let remaining = [...ctx.remainingProviders];
  for (let step = nextPlanAfterOutOfMemory(plan, ctx); step; ) {
    steps.push([step.notice.code, step.plan]);
    if (step.plan.provider !== plan.provider) remaining = remaining.filter((p) => p !== step?.plan.provider);
    plan = step.plan;
    step = nextPlanAfterOutOfMemory(plan, { ...ctx, remainingProviders: remaining });
  }
  return steps;
}

describe('out-of-memory policy', () => {
  it('halves the batch first, then the tile (free-size), then moves to the next provider from the initial plan', () => {
    const steps = walk({ provider: 'cuda', batch: 4, tile: 256 }, context());
    expect(steps.map(([code, p]) => `${code} ${p.provider}/${p.batch}/${p.tile}`)).toEqual([
      'oom-smaller-batch cuda/2/256',
      'oom-smaller-batch cuda/1/256',
      'oom-smaller-tile cuda/1/128',
      'oom-smaller-tile cuda/1/64',
      'oom-smaller-tile cuda/1/32',
      'oom-next-provider cpu/4/256',
      'oom-smaller-batch cpu/2/256',
      'oom-smaller-batch cpu/1/256',
      'oom-smaller-tile cpu/1/128',
      'oom-smaller-tile cpu/1/64',
      'oom-smaller-tile cpu/1/32',
    ]);
  });

  it('never shrinks a fixed-size tile', () => {
    const steps = walk({ provider: 'cuda', batch: 2, tile: 128 }, context({ tileRule: fixed, initial: { provider: 'cuda', batch: 2, tile: 128 } }));
    expect(steps.map(([code]) => code)).toEqual(['oom-smaller-batch', 'oom-next-provider', 'oom-smaller-batch']);
  });

  it('keeps tiles a multiple of multipleOf, at least min, and larger than twice the overlap', () => {
    const step = nextPlanAfterOutOfMemory({ provider: 'cpu', batch: 1, tile: 100 }, context({ tileRule: { ...free, min: 20 }, remainingProviders: [] }));
    expect(step?.plan.tile).toBe(48);
    const blocked = nextPlanAfterOutOfMemory({ provider: 'cpu', batch: 1, tile: 40 }, context({ overlap: 16, remainingProviders: [] }));
    expect(blocked).toBeUndefined();
  });

  it('gives up when nothing is left', () => {
    expect(nextPlanAfterOutOfMemory({ provider: 'cpu', batch: 1, tile: 128 }, context({ tileRule: fixed, remainingProviders: [] }))).toBeUndefined();
  });

  it('says what it changed in the notice', () => {
    const step = nextPlanAfterOutOfMemory({ provider: 'cuda', batch: 4, tile: 256 }, context());
    expect(step?.notice.message).toMatch(/cuda.*4 tiles per run.*retrying with 2/);
    expect(step?.notice.details).toEqual({ provider: 'cuda', from: 4, to: 2 });
  });
});

describe('isOutOfMemory', () => {
  it.each([
    'Failed to allocate memory for requested buffer of size 123',
    'std::bad_alloc',
    'CUDA failure 2: out of memory',
    'CUDNN_STATUS_ALLOC_FAILED',
    'D3D12 E_OUTOFMEMORY',
    'Array buffer allocation failed',
  ])('recognises "%s"', (message) => {
    expect(isOutOfMemory(new Error(message))).toBe(true);
  });

  it.each(['Got invalid dimensions for input: lr', 'Non-zero status code returned while running Conv node'])('does not mistake "%s" for OOM', (message) => {
    expect(isOutOfMemory(new Error(message))).toBe(false);
  });
});
