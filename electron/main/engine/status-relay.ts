// Which engine supervisor statuses the UI hears as `engine/status` events. A crash during a job is already told by
// the queue (the item fails with ENGINE_CRASHED and it emits `engine/status`); this relays the crashes the queue
// cannot see, those of an idle engine, and the restart that follows them, so the UI never shows a stale state.
//
// May import: core/shared (types), ./engine-supervisor (types).
import type { ApiEventPayload } from '../../core/shared/api.js';
import type { EngineStatus } from './engine-supervisor.js';

export type EngineStatusEvent = ApiEventPayload<'engine/status'>;

export class EngineStatusRelay {
  private idleCrashUntold = false;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** The event to send for this status, if any. */
  eventFor(status: EngineStatus): EngineStatusEvent | undefined {
    const at = this.now().toISOString();
    switch (status.state) {
      case 'restarting':
      case 'failed':
        if (status.hadJobs) return undefined;
        this.idleCrashUntold = status.state === 'restarting';
        return { state: 'crashed', reason: status.message, at };
      case 'ready':
        if (!this.idleCrashUntold) return undefined;
        this.idleCrashUntold = false;
        return { state: 'restarted', at };
      default:
        return undefined;
    }
  }
}
