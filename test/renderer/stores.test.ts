// The other stores against a scripted backend: models, settings, hardware probe, region preview, notices, and the
// comparison view's keyboard shortcuts.
import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../electron/core/shared/api.js';
import { FakeBackend } from '../../renderer/src/lib/backend/fake-backend.js';
import { CompareStore } from '../../renderer/src/lib/stores/compare.svelte.js';
import { HardwareStore } from '../../renderer/src/lib/stores/hardware.svelte.js';
import { ModelsStore } from '../../renderer/src/lib/stores/models.svelte.js';
import { INFO_NOTICE_MS, MAX_NOTICES, NoticesStore } from '../../renderer/src/lib/stores/notices.svelte.js';
import { errorDetailLines } from '../../renderer/src/lib/view/error-details.js';
import { checkWholeNumber } from '../../renderer/src/lib/view/field-check.js';
import { ItemSettingsSchema } from '../../electron/core/shared/settings.js';
import { PreviewStore } from '../../renderer/src/lib/stores/preview.svelte.js';
import { SettingsStore } from '../../renderer/src/lib/stores/settings.svelte.js';
import { DEFAULT_SETTINGS } from '../../electron/core/shared/settings.js';
import { makeModel } from './fixtures.js';

describe('ModelsStore', () => {
  it('splits bundled from user models and resolves null to the default model', async () => {
    const backend = new FakeBackend().handle('models/list', () => ({
      models: [makeModel('fast', { isDefault: true }), makeModel('mine', { source: 'user', untrained: true, weights: 'random-init' })],
      problems: [{ dir: '/models/broken', source: 'user', error: { code: 'MODEL_MANIFEST_INVALID', message: 'manifest.json: scale must be an integer.' } }],
      defaultModel: 'fast',
    }));
    const models = new ModelsStore(backend);
    await models.load();
    expect(models.bundled.map((m) => m.id)).toEqual(['fast']);
    expect(models.user.map((m) => m.id)).toEqual(['mine']);
    expect(models.resolve(null)?.id).toBe('fast');
    expect(models.resolve('mine')?.untrained).toBe(true);
    expect(models.resolve('absent')).toBeUndefined();
    expect(models.problems[0]?.error.code).toBe('MODEL_MANIFEST_INVALID');
  });

  it('keeps the listing error as data', async () => {
    const models = new ModelsStore(new FakeBackend().fail('models/list', { code: 'INTERNAL', message: 'models folder unreadable' }));
    await models.load();
    expect(models.error?.code).toBe('INTERNAL');
    expect(models.loading).toBe(false);
  });
});

describe('SettingsStore', () => {
  it('loads the settings and the formats, and saves a change', async () => {
    const saved = { ...DEFAULT_SETTINGS, defaults: { ...DEFAULT_SETTINGS.defaults, format: 'webp' as const } };
    const backend = new FakeBackend()
      .handle('settings/get', () => DEFAULT_SETTINGS)
      .handle('files/output-formats', () => ({ formats: ['png', 'webp'] }))
      .handle('settings/set', () => saved);
    const settings = new SettingsStore(backend);
    await settings.load();
    expect(settings.loaded).toBe(true);
    expect(settings.formats).toEqual(['png', 'webp']);
    expect(await settings.update({ defaults: { format: 'webp' } })).toBe(true);
    expect(settings.settings.defaults.format).toBe('webp');
    expect(backend.callsOf('settings/set')).toEqual([{ defaults: { format: 'webp' } }]);
  });

  it('keeps the saved settings and shows the reason when a change is refused', async () => {
    const backend = new FakeBackend().fail('settings/set', {
      code: 'INVALID_ARGUMENT',
      message: 'Name template "x" does not contain {name}.',
      details: { argument: 'nameTemplate' },
    });
    const settings = new SettingsStore(backend);
    expect(await settings.update({ defaults: { nameTemplate: 'x' } })).toBe(false);
    expect(settings.settings.defaults.nameTemplate).toBe(DEFAULT_SETTINGS.defaults.nameTemplate);
    expect(settings.error?.message).toContain('{name}');
    expect(settings.saving).toBe(false);
  });

  it('takes the output folder from the host dialog when there is one', async () => {
    const backend = new FakeBackend();
    const settings = new SettingsStore(backend);
    await settings.chooseOutputFolder();
    const chosen = { ...DEFAULT_SETTINGS, defaults: { ...DEFAULT_SETTINGS.defaults, outputDir: '/out' } };
    backend.pickers = { addImages: async () => null, chooseOutputFolder: async () => chosen, addModel: async () => null };
    await settings.chooseOutputFolder();
    expect(settings.settings.defaults.outputDir).toBe('/out');
  });
});

describe('ModelsStore adding a model', () => {
  it('adds the picked file, says which one, and shows a refusal with its reason', async () => {
    const backend = new FakeBackend();
    const models = new ModelsStore(backend);
    const listing = { models: [makeModel('mine', { source: 'user', name: 'My model' })], problems: [], defaultModel: 'x' };
    backend.pickers = { addImages: async () => null, chooseOutputFolder: async () => null, addModel: async () => ({ added: 'mine', ...listing }) };
    await models.add();
    expect(models.adding).toEqual({ state: 'added', name: 'My model' });
    expect(models.user.map((model) => model.id)).toEqual(['mine']);
    backend.pickers.addModel = async () => {
      throw new BackendError({ code: 'MODEL_LOAD_FAILED', message: 'notes.onnx is not an ONNX model this app can read.' });
    };
    await models.add();
    expect(models.adding).toMatchObject({ state: 'failed', error: { code: 'MODEL_LOAD_FAILED' } });
    backend.pickers.addModel = async () => null;
    await models.add();
    expect(models.adding).toBeUndefined();
  });
});

describe('HardwareStore', () => {
  it('probes with the chosen model and lists the providers that work', async () => {
    const backend = new FakeBackend().handle('engine/probe', () => ({
      model: 'fast',
      providers: [
        { name: 'cuda', ok: false, reason: 'libcudart.so.12: cannot open shared object file' },
        { name: 'cpu', ok: true, ms: 120 },
      ],
      auto: 'cpu',
    }));
    const hardware = new HardwareStore(backend);
    await hardware.probe('fast');
    expect(backend.callsOf('engine/probe')).toEqual([{ model: 'fast' }]);
    expect(hardware.working.map((p) => p.name)).toEqual(['cpu']);
    expect(hardware.report?.auto).toBe('cpu');
  });
});

describe('PreviewStore', () => {
  // The answer's id names the preview, never the item: the store must keep the item itself.
  const answer = (id: string, x: number) => ({
    id: `preview-${x}`,
    rect: { x, y: 0, width: 16, height: 16 },
    model: 'fast',
    scale: 4,
    upscaled: { handle: `preview/${id}-${x}/model` },
    bicubic: { handle: `preview/${id}-${x}/bicubic` },
    provider: 'cpu' as const,
    wallMs: 40,
  });

  it('keeps the newest preview when an older answer arrives late', async () => {
    const pending: Array<() => void> = [];
    const backend = new FakeBackend().handle('preview/region', ({ id, rect }) => new Promise((resolve) => pending.push(() => resolve(answer(id, rect.x)))));
    const preview = new PreviewStore(backend);
    const first = preview.request('a', { x: 1, y: 0, width: 16, height: 16 });
    const second = preview.request('a', { x: 2, y: 0, width: 16, height: 16 });
    pending[1]?.();
    await second;
    pending[0]?.();
    await first;
    expect(preview.latest?.itemId).toBe('a');
    expect(preview.running).toBe(false);
    expect(preview.for('a')?.rect.x).toBe(2);
    expect(preview.for('b')).toBeUndefined();
  });

  it('passes the model override and keeps a failure for the item it belongs to', async () => {
    const backend = new FakeBackend().fail('preview/region', { code: 'OUT_OF_MEMORY', message: 'The GPU ran out of memory.' });
    const preview = new PreviewStore(backend);
    await preview.request('a', { x: 0, y: 0, width: 16, height: 16 }, 'big');
    expect(backend.callsOf('preview/region')).toEqual([{ id: 'a', rect: { x: 0, y: 0, width: 16, height: 16 }, model: 'big' }]);
    expect(preview.error?.code).toBe('OUT_OF_MEMORY');
    expect(preview.itemId).toBe('a');
    preview.clear();
    expect(preview.error).toBeUndefined();
  });
});

describe('NoticesStore', () => {
  it('turns engine notices and crashes into readable notices, newest first, a few at a time', () => {
    const backend = new FakeBackend();
    const notices = new NoticesStore();
    const stop = notices.connect(backend);
    backend.emit('engine/notice', { code: 'oom-smaller-tile', message: 'Tile 256 ran out of memory; retrying with 128.' });
    backend.emit('engine/status', { state: 'crashed', reason: 'The engine process was killed (SIGKILL).', at: '2026-01-01T00:00:00Z' });
    expect(notices.notices[0]).toMatchObject({ tone: 'error', code: 'ENGINE_CRASHED' });
    expect(notices.notices[0]?.message).toContain('SIGKILL');
    expect(notices.notices[1]).toMatchObject({ tone: 'warning', title: 'Out of memory: smaller tiles', code: 'oom-smaller-tile' });
    const raw = 'cuda is not available here, using cpu instead: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library';
    for (let i = 0; i < 3; i++) backend.emit('engine/notice', { code: 'provider-fallback', message: raw, details: { from: 'cuda', to: 'cpu', reason: 'libcudart' } });
    expect(notices.notices).toHaveLength(3);
    // Once, not once per image; in plain words, the engine's own message behind "Details".
    expect(notices.notices[0]).toMatchObject({ code: 'provider-fallback', count: 1, tone: 'info', detail: [raw] });
    expect(notices.notices[0]?.message).toBe(
      'The NVIDIA GPU (CUDA) could not be used here, so images are processed on the CPU instead. Results are the same; they take longer. The Hardware panel says what the NVIDIA GPU (CUDA) needs.',
    );
    expect(notices.notices[0]?.message).not.toMatch(/Ort|onnxruntime|\.so|\//);
    expect(notices.notices[1]?.tone).toBe('error'); // the crash stays; the fallback is information and goes by itself
    for (let i = 0; i < 10; i++) backend.emit('engine/notice', { code: 'oom-smaller-batch', message: `batch ${i}` });
    expect(notices.notices).toHaveLength(MAX_NOTICES);
    notices.dismiss(notices.notices[0]!.id);
    expect(notices.notices).toHaveLength(MAX_NOTICES - 1);
    stop();
    expect(backend.listenerCount('engine/notice')).toBe(0);
  });
});

describe('NoticesStore information', () => {
  it('lets an information notice go by itself, and keeps a warning until dismissed', () => {
    vi.useFakeTimers();
    try {
      const notices = new NoticesStore();
      notices.push({ tone: 'info', title: 'Running on another processor', message: 'm' });
      notices.push({ tone: 'warning', title: 'Out of memory', message: 'w' });
      vi.advanceTimersByTime(INFO_NOTICE_MS);
      expect(notices.notices.map((notice) => notice.tone)).toEqual(['warning']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('error details and field checks', () => {
  it('puts the code, file and raw facts of an error on lines for the Details fold', () => {
    expect(errorDetailLines({ code: 'INPUT_CORRUPT', message: 'x', path: '/p/a.png', details: { reason: 'truncated', bytes: 12 } })).toEqual([
      'code: INPUT_CORRUPT',
      'file: /p/a.png',
      'reason: truncated',
      'bytes: 12',
    ]);
  });

  it('checks a typed quality against the contract schema and says the range in words', () => {
    const quality = ItemSettingsSchema.shape.quality;
    expect(checkWholeNumber('92', quality, 'Quality', { min: 1, max: 100 })).toEqual({ ok: true, value: 92 });
    for (const text of ['150', '0', '9.5', '', 'abc']) {
      expect(checkWholeNumber(text, quality, 'Quality', { min: 1, max: 100 })).toEqual({ ok: false, message: 'Quality is a whole number from 1 to 100.' });
    }
  });
});

describe('CompareStore', () => {
  function store(): CompareStore {
    const compare = new CompareStore();
    compare.setImage({ width: 4000, height: 2000 }); // zoom relative to the displayed image (no scale given)
    compare.setFrame({ width: 800, height: 600 });
    return compare;
  }

  it('starts fitted and refits when the frame changes, until the user zooms', () => {
    const compare = store();
    expect(compare.zoomPercent).toBe(20);
    compare.setFrame({ width: 400, height: 600 });
    expect(compare.zoomPercent).toBe(10);
    compare.handleKey('1', false);
    expect(compare.zoomPercent).toBe(100);
    compare.setFrame({ width: 800, height: 600 });
    expect(compare.zoomPercent).toBe(100);
    compare.handleKey('0', false);
    expect(compare.fitted).toBe(true);
  });

  it('maps the shortcuts: arrows move the slider, + and - zoom, D toggles the difference', () => {
    const compare = store();
    expect(compare.handleKey('ArrowRight', false)).toBe(true);
    expect(compare.split).toBeCloseTo(0.55);
    compare.handleKey('ArrowDown', false);
    expect(compare.split).toBeCloseTo(0.54);
    for (let i = 0; i < 30; i++) compare.handleKey('ArrowLeft', false);
    expect(compare.split).toBe(0);
    compare.handleKey('+', false);
    expect(compare.zoomPercent).toBe(25);
    compare.handleKey('-', false);
    expect(compare.zoomPercent).toBe(20);
    compare.handleKey('d', false);
    expect(compare.mode).toBe('difference');
    expect(compare.handleKey('x', false)).toBe(false);
  });

  it('pans with Shift and arrows and keeps both layers on one viewport', () => {
    const compare = store();
    compare.handleKey('1', false);
    const before = compare.view.offset.x;
    compare.handleKey('ArrowRight', true);
    expect(compare.view.offset.x).toBe(before - 80);
    expect(compare.split).toBe(0.5);
    expect(compare.visible.width).toBe(800);
  });

  it('reads zoom relative to the original photo: Fit of a x4 result is 80 %, not 20 %; 1 shows the original\'s size, 2 result pixels 1:1', () => {
    const compare = new CompareStore();
    compare.setImage({ width: 4000, height: 2000 }, 4);
    compare.setFrame({ width: 800, height: 600 });
    expect(compare.zoomPercent).toBe(80);
    compare.handleKey('1', false);
    expect(compare.view.scale).toBe(0.25);
    expect(compare.zoomPercent).toBe(100);
    compare.handleKey('2', false);
    expect(compare.view.scale).toBe(1);
    expect(compare.zoomPercent).toBe(400);
  });

  it('goes back to fit for an image of another size', () => {
    const compare = store();
    compare.handleKey('1', false);
    compare.setImage({ width: 400, height: 300 });
    expect(compare.fitted).toBe(true);
    expect(compare.zoomPercent).toBe(200);
  });
});
