// The queue's state in the renderer against a scripted backend: snapshots and events keep it current, actions send
// the right calls, and failures become visible error data with their code.
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeBackend } from '../../renderer/src/lib/backend/fake-backend.js';
import { QueueStore } from '../../renderer/src/lib/stores/queue.svelte.js';
import { AppState } from '../../renderer/src/lib/stores/app-state.svelte.js';
import { DEFAULT_SETTINGS } from '../../electron/core/shared/settings.js';
import { makeItem, makeSnapshot, overallOf } from './fixtures.js';

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('QueueStore', () => {
  let backend: FakeBackend;
  let queue: QueueStore;

  beforeEach(() => {
    backend = new FakeBackend();
    queue = new QueueStore(backend);
  });

  it('loads the queue on connect, selects the first item and follows queue/changed', async () => {
    backend.handle('queue/list', () => makeSnapshot([makeItem('a'), makeItem('b')]));
    queue.connect();
    expect(queue.loading).toBe(true);
    await flush();
    expect(queue.loading).toBe(false);
    expect(queue.items.map((item) => item.id)).toEqual(['a', 'b']);
    expect(queue.selected?.id).toBe('a');
    expect(queue.canStart).toBe(true);

    const running = [makeItem('a', { state: 'running' }), makeItem('b')];
    backend.emit('queue/changed', makeSnapshot(running, { status: 'running' }));
    expect(queue.running?.id).toBe('a');
    expect(queue.canStart).toBe(false);
    expect(queue.canPause).toBe(true);
    expect(queue.canCancelAll).toBe(true);
  });

  it('applies per-tile progress to the item and the overall numbers', async () => {
    backend.handle('queue/list', () => makeSnapshot([makeItem('a', { state: 'running' })], { status: 'running' }));
    queue.connect();
    await flush();
    const progress = { stage: 'upscaling' as const, tile: 3, tiles: 12, fraction: 0.25, etaMs: 9000 };
    backend.emit('item/progress', { id: 'a', progress, overall: overallOf(queue.items, { fraction: 0.25, etaMs: 9000 }) });
    expect(queue.items[0]?.progress).toEqual(progress);
    expect(queue.overall.etaMs).toBe(9000);
    // Progress for an item that is gone (removed meanwhile) is ignored, the overall numbers still move.
    backend.emit('item/progress', { id: 'gone', progress, overall: overallOf(queue.items, { fraction: 0.5, etaMs: 1 }) });
    expect(queue.overall.fraction).toBe(0.5);
  });

  it('shows the summary when the queue finishes', async () => {
    backend.handle('queue/list', () => makeSnapshot([]));
    queue.connect();
    await flush();
    const summary = {
      done: 2,
      skipped: 0,
      cancelled: 0,
      failed: [{ id: 'c', input: '/photos/c.jpg', error: { code: 'INPUT_CORRUPT' as const, message: 'c.jpg is not a readable JPEG.' } }],
      outputDirs: ['/out'],
      finishedAt: '2026-01-01T00:00:00.000Z',
    };
    backend.emit('queue/finished', summary);
    expect(queue.summary).toEqual(summary);
    queue.dismissSummary();
    expect(queue.summary).toBeUndefined();
  });

  it('adds trimmed, de-duplicated paths and keeps the refusals with their reasons', async () => {
    const rejected = [{ path: '/photos/notes.txt', error: { code: 'INPUT_NOT_IMAGE' as const, message: 'notes.txt is not an image.' } }];
    backend.handle('queue/add', ({ paths }) => ({ added: paths.slice(0, 1), rejected, snapshot: makeSnapshot([makeItem('a')]) }));
    const added = await queue.add([' /photos/a.jpg ', '/photos/a.jpg', '', '/photos/notes.txt'], false);
    expect(added).toBe(1);
    expect(backend.callsOf('queue/add')).toEqual([{ paths: ['/photos/a.jpg', '/photos/notes.txt'], recursive: false }]);
    expect(queue.rejected).toEqual(rejected);
    expect(queue.items).toHaveLength(1);
    expect(await queue.add(['  '])).toBe(0);
    expect(backend.callsOf('queue/add')).toHaveLength(1);
  });

  it('adds through the host dialog where there is one, and does nothing when it is cancelled', async () => {
    expect(await queue.addFromDialog(false)).toBe(0);
    const answers = [null, { added: ['/p/x.png', '/p/y.png'], rejected: [], snapshot: makeSnapshot([makeItem('x'), makeItem('y')]) }];
    const asked: boolean[] = [];
    backend.pickers = {
      addImages: async ({ folders }) => {
        asked.push(folders);
        return answers.shift() ?? null;
      },
      chooseOutputFolder: async () => null,
      addModel: async () => null,
    };
    expect(await queue.addFromDialog(true)).toBe(0);
    expect(await queue.addFromDialog(false)).toBe(2);
    expect(asked).toEqual([true, false]);
    expect(queue.items.map((item) => item.id)).toEqual(['x', 'y']);
  });

  it('sends each action with the ids it is about', async () => {
    const snapshot = makeSnapshot([makeItem('a')]);
    for (const call of ['queue/start', 'queue/pause', 'queue/resume', 'queue/cancel', 'queue/retry', 'queue/run-again', 'queue/remove', 'queue/clear', 'queue/update-item'] as const) {
      backend.handle(call, () => snapshot);
    }
    await queue.start();
    await queue.pause();
    await queue.resume();
    await queue.cancel('a');
    await queue.cancelAll();
    await queue.retry('a');
    await queue.retryFailed();
    await queue.runAgain('a');
    await queue.remove('a');
    await queue.clearFinished();
    await queue.updateItem('a', { format: 'webp' });
    await queue.updateItem('a', {}, ['model']);
    expect(backend.calls.map(({ call, args }) => [call, args])).toEqual([
      ['queue/start', {}],
      ['queue/pause', {}],
      ['queue/resume', {}],
      ['queue/cancel', { ids: ['a'] }],
      ['queue/cancel', {}],
      ['queue/retry', { ids: ['a'] }],
      ['queue/retry', {}],
      ['queue/run-again', { ids: ['a'] }],
      ['queue/remove', { ids: ['a'] }],
      ['queue/clear', { which: 'finished' }],
      ['queue/update-item', { ids: ['a'], set: { format: 'webp' } }],
      ['queue/update-item', { ids: ['a'], set: {}, reset: ['model'] }],
    ]);
  });

  it('keeps a failed action as error data with its code, and clears it after the next success', async () => {
    backend.fail('queue/start', { code: 'MODEL_NOT_FOUND', message: 'Model "x" is not installed.' });
    await queue.start();
    expect(queue.actionError).toEqual({ code: 'MODEL_NOT_FOUND', message: 'Model "x" is not installed.' });
    backend.handle('queue/start', () => makeSnapshot([], { status: 'running' }));
    await queue.start();
    expect(queue.actionError).toBeUndefined();
    expect(queue.status).toBe('running');
  });

  it('turns a non-contract failure into INTERNAL with its message, never a stack', async () => {
    backend.handle('queue/pause', () => {
      throw new TypeError('socket hang up');
    });
    await queue.pause();
    expect(queue.actionError).toEqual({ code: 'INTERNAL', message: 'socket hang up' });
  });

  it('drops the selection when the selected item disappears and picks the first one left', async () => {
    queue.apply(makeSnapshot([makeItem('a'), makeItem('b')]));
    queue.select('b');
    queue.apply(makeSnapshot([makeItem('a')]));
    expect(queue.selected?.id).toBe('a');
    queue.apply(makeSnapshot([]));
    expect(queue.selected).toBeUndefined();
  });

  it('counts what the buttons need: failed, clearable (failures stay), resumable', () => {
    queue.apply(
      makeSnapshot([makeItem('a', { state: 'failed', error: { code: 'INPUT_CORRUPT', message: 'bad' } }), makeItem('b', { state: 'cancelled' }), makeItem('c')], {
        status: 'paused',
      }),
    );
    expect(queue.failedCount).toBe(1);
    expect(queue.clearableCount).toBe(1);
    expect(queue.canResume).toBe(true);
    expect(queue.canStart).toBe(false);
  });

  it('says "cancelling" from the click on, until the service reports the item ended', async () => {
    let reply!: (snapshot: ReturnType<typeof makeSnapshot>) => void;
    backend.handle('queue/cancel', () => new Promise((resolve) => (reply = resolve)));
    queue.apply(makeSnapshot([makeItem('a', { state: 'running' }), makeItem('b')], { revision: 1, status: 'running' }));
    const cancelling = queue.cancel('a');
    expect(queue.activity(queue.items[0]!)).toBe('cancelling');
    reply(makeSnapshot([makeItem('a', { state: 'running' }), makeItem('b')], { revision: 2, status: 'running' }));
    await cancelling;
    expect(queue.activity(queue.items[0]!)).toBe('cancelling'); // still inside its tile
    queue.apply(makeSnapshot([makeItem('a', { state: 'cancelled' }), makeItem('b', { state: 'running' })], { revision: 3, status: 'running' }));
    expect(queue.cancelling).toEqual([]);
    expect(queue.activity(queue.items[1]!)).toBeUndefined();
  });

  it('says "pausing" until the engine has stopped between tiles, then "paused"', () => {
    const progress = { stage: 'upscaling' as const, tile: 2, tiles: 6, fraction: 1 / 3, etaMs: 4000 };
    queue.apply(makeSnapshot([makeItem('a', { state: 'running', progress })], { revision: 1, status: 'paused' }));
    expect(queue.activity(queue.items[0]!)).toBe('pausing');
    queue.apply(makeSnapshot([makeItem('a', { state: 'running', progress: { ...progress, paused: true } })], { revision: 2, status: 'paused' }));
    expect(queue.activity(queue.items[0]!)).toBe('paused');
  });

  it('keeps a dismissed run summary dismissed when later snapshots carry it, and shows the next run\'s', async () => {
    const summary = { done: 1, skipped: 0, cancelled: 0, failed: [], outputDirs: ['/out'], finishedAt: '2026-01-01T00:00:00.000Z' };
    queue.apply(makeSnapshot([makeItem('a', { state: 'done' })], { revision: 1, summary }));
    queue.dismissSummary();
    queue.apply(makeSnapshot([makeItem('a', { state: 'done' }), makeItem('b')], { revision: 2, summary }));
    expect(queue.summary).toBeUndefined();
    backend.handle('queue/list', () => makeSnapshot([makeItem('a', { state: 'done' })], { revision: 2, summary }));
    queue.connect();
    backend.emit('queue/finished', summary);
    expect(queue.summary).toBeUndefined();
    const next = { ...summary, finishedAt: '2026-01-01T00:01:00.000Z' };
    backend.emit('queue/finished', next);
    expect(queue.summary).toEqual(next);
    await flush();
  });

  it('says the server is lost at once, and reloads the queue, models and settings once it is back (events sent meanwhile are lost)', async () => {
    let listed = 0;
    backend.handle('queue/list', () => makeSnapshot(listed++ === 0 ? [] : [makeItem('late')]));
    backend.handle('models/list', () => ({ models: [], problems: [], defaultModel: 'x' }));
    backend.handle('settings/get', () => DEFAULT_SETTINGS);
    backend.handle('files/output-formats', () => ({ formats: ['png'] }));
    const app = new AppState(backend);
    const stop = app.start();
    await flush();
    expect(app.queue.items).toEqual([]);
    backend.lose();
    expect(app.connection.connected).toBe(false);
    backend.reconnect();
    expect(app.connection.connected).toBe(true);
    await flush();
    expect(app.queue.items.map((item) => item.id)).toEqual(['late']);
    expect(backend.calls.filter(({ call }) => call === 'models/list' || call === 'settings/get')).toHaveLength(4);
    // A finished run measured its models: the cards reload to show the time.
    backend.emit('queue/finished', { done: 1, skipped: 0, cancelled: 0, failed: [], outputDirs: [], finishedAt: '2026-01-01T00:00:00.000Z' });
    expect(backend.calls.filter(({ call }) => call === 'models/list')).toHaveLength(3);
    stop();
    backend.reconnect();
    await flush();
    expect(listed).toBe(2);
  });

  it('ignores a call reply older than the events already shown, so a finished queue never rolls back to running', async () => {
    backend.handle('queue/list', () => makeSnapshot([makeItem('a')], { revision: 1 }));
    let reply!: (snapshot: ReturnType<typeof makeSnapshot>) => void;
    backend.handle('queue/start', () => new Promise((resolve) => (reply = resolve)));
    queue.connect();
    await flush();
    const starting = queue.start();
    backend.emit('queue/changed', makeSnapshot([makeItem('a', { state: 'running' })], { revision: 2, status: 'running' }));
    backend.emit('queue/changed', makeSnapshot([makeItem('a', { state: 'done' })], { revision: 3 }));
    reply(makeSnapshot([makeItem('a', { state: 'running' })], { revision: 2, status: 'running' }));
    await starting;
    expect(queue.status).toBe('idle');
    expect(queue.items[0]?.state).toBe('done');
  });

  it('takes a reload as authoritative even at a lower revision (a restarted service counts from zero)', async () => {
    let listed = 0;
    backend.handle('queue/list', () => (listed++ === 0 ? makeSnapshot([makeItem('old')], { revision: 9 }) : makeSnapshot([makeItem('new')], { revision: 0 })));
    queue.connect();
    await flush();
    await queue.refresh(); // what a reconnect does (AppState)
    expect(queue.items.map((item) => item.id)).toEqual(['new']);
    backend.emit('queue/changed', makeSnapshot([makeItem('new', { state: 'running' })], { revision: 1, status: 'running' }));
    expect(queue.items[0]?.state).toBe('running');
  });

  it('unsubscribes from every event on teardown', async () => {
    backend.handle('queue/list', () => makeSnapshot([]));
    const stop = queue.connect();
    expect(backend.listenerCount('queue/changed')).toBe(1);
    stop();
    for (const event of ['queue/changed', 'item/progress', 'queue/finished'] as const) expect(backend.listenerCount(event)).toBe(0);
  });
});
