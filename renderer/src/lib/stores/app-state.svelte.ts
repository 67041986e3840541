// All of the renderer's state for one window, built around one backend: the queue, models, settings, hardware,
// notices, region preview, comparison view and the connection (everything reloads when a lost server is back). Components get it from context (`useAppState`), so a test or a
// second window can build its own with another backend.
//
// May import: lib/backend, ./*.
import { createContext } from 'svelte';
import type { RendererBackend } from '../backend/types.js';
import { CompareStore } from './compare.svelte.js';
import { ConnectionStore } from './connection.svelte.js';
import { HardwareStore } from './hardware.svelte.js';
import { ModelsStore } from './models.svelte.js';
import { NoticesStore } from './notices.svelte.js';
import { PreviewStore } from './preview.svelte.js';
import { QueueStore } from './queue.svelte.js';
import { SettingsStore } from './settings.svelte.js';

export class AppState {
  readonly queue: QueueStore;
  readonly models: ModelsStore;
  readonly settings: SettingsStore;
  readonly hardware: HardwareStore;
  readonly notices = new NoticesStore();
  readonly preview: PreviewStore;
  readonly compare = new CompareStore();
  readonly connection = new ConnectionStore();
  readonly backend: RendererBackend;

  constructor(backend: RendererBackend) {
    this.backend = backend;
    this.queue = new QueueStore(backend);
    this.models = new ModelsStore(backend);
    this.settings = new SettingsStore(backend);
    this.hardware = new HardwareStore(backend);
    this.preview = new PreviewStore(backend);
  }

  /** Subscribes to every event and loads the first data; returns the teardown. */
  start(): () => void {
    const stopQueue = this.queue.connect();
    const stopNotices = this.notices.connect(this.backend);
    const stopConnection = this.connection.connect(this.backend, () => {
      void this.queue.refresh();
      void this.models.load();
      void this.settings.load();
    });
    // A finished run measured its models: their cards show the time a photo takes now.
    const stopSpeeds = this.backend.on('queue/finished', () => void this.models.load());
    void this.models.load();
    void this.settings.load();
    return () => {
      stopQueue();
      stopNotices();
      stopConnection();
      stopSpeeds();
    };
  }
}

export const [useAppState, provideAppState] = createContext<AppState>();
