// How a queue item's state reads in the list: a word for its state, the badge tone, and a line about its progress
// (stage, tiles, ETA) or its result, and what it is about to do when the user cancelled or paused it. Pure, so the wording is tested without a DOM.
//
// May import: electron/core/shared (types), lib/view/format.
import type { ItemProgress, ItemState, QueueItem } from '../../../../electron/core/shared/api.js';
import type { ItemActivity } from '../../lib/stores/queue.svelte.js';
import { formatEta, formatMs, formatSize } from '../../lib/view/format.js';

export const STATE_LABELS: Record<ItemState, string> = {
  queued: 'Queued',
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const STATE_TONES: Record<ItemState, 'neutral' | 'accent' | 'success' | 'warning' | 'danger'> = {
  queued: 'neutral',
  running: 'accent',
  done: 'success',
  failed: 'danger',
  cancelled: 'warning',
};

const STAGE_LABELS: Record<ItemProgress['stage'], string> = {
  waiting: 'Waiting for the engine',
  'loading-model': 'Loading the model',
  decoding: 'Reading the image',
  upscaling: 'Upscaling',
  encoding: 'Writing the result',
};

const ACTIVITY_LABELS: Record<ItemActivity, string> = {
  cancelling: 'Cancelling…',
  pausing: 'Pausing after this tile',
  paused: 'Paused',
};

export function stateLabel(item: QueueItem, activity?: ItemActivity): string {
  if (activity !== undefined) return ACTIVITY_LABELS[activity];
  if (item.state === 'done' && item.result?.outcome === 'skipped-existing') return 'Skipped (output exists)';
  return STATE_LABELS[item.state];
}

/** The line under the file name: what it is doing now, or what it produced. */
export function itemDetail(item: QueueItem): string {
  switch (item.state) {
    case 'running': {
      const progress = item.progress;
      if (progress === undefined) return STAGE_LABELS.waiting;
      const tiles = progress.tiles > 0 ? ` · tile ${progress.tile}/${progress.tiles}` : '';
      const eta = progress.etaMs === null ? '' : ` · ${formatEta(progress.etaMs)} left${progress.paused === true ? ' once resumed' : ''}`;
      return `${STAGE_LABELS[progress.stage]}${tiles}${eta}`;
    }
    case 'done': {
      const result = item.result;
      if (result === undefined) return '';
      const parts = [formatSize(result.outputSize), result.provider?.toUpperCase(), result.wallMs === undefined ? undefined : formatMs(result.wallMs)];
      return parts.filter((part) => part !== undefined && part !== '').join(' · ');
    }
    case 'queued':
      return formatSize(item.inputSize);
    default:
      return '';
  }
}
