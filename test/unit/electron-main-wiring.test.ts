// The Electron main process as a whole (electron/main/main.ts), run in Node against a stand-in `electron` module:
// the window's security settings and CSP, the schemes, IPC registration with the sender check, the navigation lock,
// the menu, and the orderly quit. The engine process (utilityProcess.fork) is the real worker as a Node child process:
// adding files asks it for their headers; no job runs here (the supervisor and the protocol are covered by
// electron-engine-supervisor.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const USER_DATA = fs.mkdtempSync(path.join(os.tmpdir(), 'tinysr-main-'));
const savedXdgDataHome = process.env.XDG_DATA_HOME;
process.env.XDG_DATA_HOME = path.join(USER_DATA, 'xdg'); // user models and digest cache: never the real home folder

type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;
type ProtocolHandler = (request: Request) => Promise<Response>;

const fake = await vi.hoisted(async () => {
  // Only what main touches; every call is recorded for the assertions below. Hoisted above the imports, so it loads
  // its own modules.
  const { EventEmitter: Emitter } = await import('node:events');
  const { readFileSync } = await import('node:fs');
  const { fork: forkChild } = await import('node:child_process');
  const state = {
    sandboxEnabled: false,
    privileged: [] as unknown[],
    protocolHandlers: new Map<string, ProtocolHandler>(),
    engines: [] as { kill(): boolean }[],
    ipcHandlers: new Map<string, Handler>(),
    windows: [] as FakeWindow[],
    contents: [] as FakeContents[],
    menu: undefined as unknown,
    opened: [] as string[],
    quitCalls: 0,
    userData: '',
  };
  class FakeContents extends Emitter {
    static nextId = 1;
    id = FakeContents.nextId++;
    sent: { channel: string; payload: unknown }[] = [];
    openHandler: ((details: { url: string }) => { action: string }) | undefined;
    session = { setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined };
    send(channel: string, payload: unknown): void {
      this.sent.push({ channel, payload });
    }
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
      this.openHandler = handler;
    }
  }
  class FakeWindow extends Emitter {
    webContents = new FakeContents();
    url: string | undefined;
    page: Response | undefined;
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      super();
      state.windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    async loadURL(url: string): Promise<void> {
      this.url = url;
      this.page = await state.protocolHandlers.get(new URL(url).protocol.slice(0, -1))?.(new Request(url));
    }
    maximize(): void {}
    isMaximized(): boolean {
      return false;
    }
    isMinimized(): boolean {
      return false;
    }
    getNormalBounds() {
      return { x: 10, y: 20, width: 1100, height: 760 };
    }
  }
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    name: 'TinySR Studio',
    whenReady: () => Promise.resolve(),
    getPath: () => state.userData,
    getVersion: () => '0.0.0-test',
    requestSingleInstanceLock: () => true,
    setName: () => undefined,
    enableSandbox: () => void (state.sandboxEnabled = true),
    setAboutPanelOptions: () => undefined,
    quit: () => {
      state.quitCalls++;
      app.emit('before-quit', { preventDefault: () => undefined });
    },
    exit: (code: number) => {
      throw new Error(`app.exit(${code})`);
    },
  });
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => void state.privileged.push(...schemes),
      handle: (scheme: string, handler: ProtocolHandler) => void state.protocolHandlers.set(scheme, handler),
    },
    net: { fetch: async (url: string) => new Response(readFileSync(new URL(url))) },
    ipcMain: {
      handle: (channel: string, handler: Handler) => void state.ipcHandlers.set(channel, handler),
      removeHandler: (channel: string) => void state.ipcHandlers.delete(channel),
    },
    screen: { getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }), getAllDisplays: () => [] },
    nativeTheme: { shouldUseDarkColors: false },
    shell: { openExternal: async (url: string) => void state.opened.push(url) },
    dialog: { showErrorBox: () => undefined, showMessageBox: async () => ({}), showOpenDialog: async () => ({ canceled: true, filePaths: [] }) },
    Menu: { setApplicationMenu: (menu: unknown) => void (state.menu = menu), buildFromTemplate: (template: unknown) => template },
    utilityProcess: {
      // Electron forks the engine worker as a utility process; here it is a Node child process with the same calls.
      fork: (modulePath: string, args: string[]) => {
        const child = forkChild(modulePath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
        state.engines.push(child);
        return Object.assign(child, { postMessage: (message: unknown) => child.send(message as object) });
      },
    },
  };
  return { state, electron };
});
type FakeWindow = InstanceType<typeof fake.electron.BrowserWindow>;
type FakeContents = FakeWindow['webContents'];

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

fake.state.userData = USER_DATA;
await import('../../electron/main/main.js');
await vi.waitFor(() => expect(fake.state.windows[0]?.page).toBeDefined(), { timeout: 30_000 });
const window = fake.state.windows[0] as FakeWindow;
const invoke = (channel: string, frame: { url: string; parent: unknown }, args: unknown) =>
  fake.state.ipcHandlers.get(channel)?.({ sender: window.webContents, senderFrame: frame }, args) as Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
const TOP = { url: 'tinysr-app://renderer/index.html', parent: null };

afterAll(() => {
  for (const engine of fake.state.engines) engine.kill();
  if (savedXdgDataHome === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = savedXdgDataHome;
  fs.rmSync(USER_DATA, { recursive: true, force: true });
});

describe('main process wiring', () => {
  it('opens one sandboxed, context-isolated window without Node, on the app scheme with the CSP', () => {
    expect(fake.state.sandboxEnabled).toBe(true);
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: path.join(ROOT, 'electron', 'preload', 'preload.cjs'),
    });
    expect(window.url).toBe('tinysr-app://renderer/index.html');
    expect(window.page?.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(fake.state.privileged).toEqual([
      expect.objectContaining({ scheme: 'tinysr-app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
      expect.objectContaining({ scheme: 'tinysr-image' }),
    ]);
  });

  it('answers contract calls from the app page and refuses them from a sub-frame', async () => {
    expect(fake.state.ipcHandlers.size).toBeGreaterThan(10);
    const settings = await invoke('tinysr:call/settings/get', TOP, {});
    expect(settings).toMatchObject({ ok: true, value: { version: 1 } });
    const fromIframe = await invoke('tinysr:call/settings/get', { url: TOP.url, parent: {} }, {});
    expect(fromIframe).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/refused/) } });
  });

  it('serves added images through the image scheme, and nothing else', async () => {
    const image = path.join(ROOT, 'test', 'fixtures', 'images', 'chelsea-small.jpg');
    const added = await invoke('tinysr:call/queue/add', TOP, { paths: [image] });
    expect(added.ok).toBe(true);
    const handle = (added.value as { snapshot: { items: { inputImage: { handle: string } }[] } }).snapshot.items[0]?.inputImage.handle ?? '';
    const images = fake.state.protocolHandlers.get('tinysr-image');
    const served = await images?.(new Request(`tinysr-image://image/?handle=${encodeURIComponent(handle)}`));
    expect(served?.status).toBe(200);
    expect(Buffer.from(await (served as Response).arrayBuffer()).equals(fs.readFileSync(image))).toBe(true);
    const refused = await images?.(new Request(`tinysr-image://image/?handle=${encodeURIComponent(path.join(ROOT, 'package.json'))}`));
    expect(refused?.status).toBe(404);
  });

  it('keeps every web contents on the app: navigation refused, no new windows, https links to the browser', () => {
    const contents = fake.state.windows[0]?.webContents as FakeContents;
    let prevented = false;
    contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://example.com/');
    expect(prevented).toBe(true);
    expect(contents.openHandler?.({ url: 'https://example.com/licence' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(fake.state.opened).toEqual(['https://example.com/licence']);
  });

  it('installs the menu, then on quit saves the queue and the window state before quitting', async () => {
    expect((fake.state.menu as { label?: string }[]).map((m) => m.label)).toEqual(expect.arrayContaining(['&File', '&Edit', 'E&ngine']));
    window.emit('close');
    fake.electron.app.quit();
    await vi.waitFor(() => expect(fake.state.quitCalls).toBe(2), { timeout: 30_000 });
    expect(fs.existsSync(path.join(USER_DATA, 'queue.json'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(USER_DATA, 'window-state.json'), 'utf8'))).toEqual({ x: 10, y: 20, width: 1100, height: 760, maximized: false });
  });
});
