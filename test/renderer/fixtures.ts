// Contract-shaped data for the renderer's state tests: queue items, snapshots and models, parsed by the contract's own
// schemas so a fixture that drifts from the contract fails loudly instead of testing nothing.
import { API_CALLS, QueueItemSchema, type ModelInfo, type OverallProgress, type QueueItem, type QueueSnapshot } from '../../electron/core/shared/api.js';
import { DEFAULT_SETTINGS } from '../../electron/core/shared/settings.js';

export function makeItem(id: string, fields: Partial<QueueItem> = {}): QueueItem {
  return QueueItemSchema.parse({
    id,
    input: `/photos/${id}.jpg`,
    name: `${id}.jpg`,
    inputImage: { handle: `item/${id}/input`, width: 64, height: 48 },
    inputSize: { width: 64, height: 48 },
    state: 'queued',
    overrides: {},
    settings: DEFAULT_SETTINGS.defaults,
    addedAt: '2026-01-01T00:00:00.000Z',
    attempts: 0,
    ...fields,
  });
}

export function overallOf(items: QueueItem[], fields: Partial<OverallProgress> = {}): OverallProgress {
  const count = (state: QueueItem['state']): number => items.filter((item) => item.state === state).length;
  return {
    total: items.length,
    queued: count('queued'),
    running: count('running'),
    done: count('done'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    fraction: 0,
    etaMs: null,
    run: { finished: 0, total: count('queued') + count('running') },
    ...fields,
  };
}

export function makeSnapshot(items: QueueItem[], fields: Partial<QueueSnapshot> = {}): QueueSnapshot {
  return API_CALLS['queue/list'].result.parse({ revision: 0, status: 'idle', items, overall: overallOf(items), ...fields });
}

export function makeModel(id: string, fields: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id,
    name: `Model ${id}`,
    description: '',
    version: '1.0.0',
    family: 'generic-sr',
    scale: 4,
    source: 'bundled',
    label: `Model ${id} (${id})`,
    isDefault: false,
    tile: { mode: 'free', multipleOf: 1, min: 16, max: 512, default: 128 },
    overlap: 8,
    precisions: ['fp32'],
    license: { id: 'BSD-3-Clause' },
    weights: 'imported',
    untrained: false,
    params: 1_200_000,
    macs: 2e9,
    costTileLr: 128,
    speed: null,
    ...fields,
  };
}
