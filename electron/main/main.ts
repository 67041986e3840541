// The Electron main process: lifecycle, the window, menus, dialogs, IPC and the engine's supervision, and nothing
// else. It never decodes an image or runs a model: the API service (core/api) owns settings, the queue and previews;
// inference runs in the engine utility process. Start: `npm start` (builds the core, the renderer, main and the
// preload, then runs `electron dist-electron/main/main.js`).
//
// May import: electron, node:path, node:url, core/api, core/engine (worker path), core/models (locations),
// ./* and ./engine/*, ../common/ipc-bridge.
import { app, dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiService, type ApiService } from '../core/api/index.js';
import { defaultWorkerPath } from '../core/engine/index.js';
import { packageRoot, resolveModelLocations } from '../core/models/index.js';
import { toAppError } from '../core/shared/errors.js';
import { eventChannel } from '../common/ipc-bridge.js';
import { isTrustedSender } from './app-origin.js';
import { createDialogs } from './dialogs.js';
import { EngineSupervisor } from './engine/engine-supervisor.js';
import { EngineStatusRelay } from './engine/status-relay.js';
import { utilityEngineSpawner } from './engine/utility-engine-process.js';
import { registerIpcHandlers } from './ipc-registry.js';
import { installMenu } from './menu.js';
import { handleAppSchemes, registerSchemePrivileges } from './protocols.js';
import { createMainWindow, loadApp, lockNavigation } from './window.js';

const APP_TITLE = 'TinySR Studio';
const here = path.dirname(fileURLToPath(import.meta.url));

/** Everything one run of the app holds; one instance, created once `ready` fires. */
interface AppSession {
  service: ApiService;
  engine: EngineSupervisor;
  /** The app window while it is open (macOS keeps the app running without one). */
  window: { current: BrowserWindow | undefined };
}

async function startSession(): Promise<AppSession> {
  const locations = resolveModelLocations(app.isPackaged ? { bundledDir: path.join(process.resourcesPath, 'native-models') } : {});
  const relay = new EngineStatusRelay();
  const window: AppSession['window'] = { current: undefined };
  const send = (channel: string, payload: unknown): void => window.current?.webContents.send(channel, payload);
  const engine = new EngineSupervisor({
    spawn: utilityEngineSpawner(defaultWorkerPath()),
    config: { models: { bundledDir: locations.bundledDir, userDir: locations.userDir ?? null, digestCacheFile: locations.digestCacheFile ?? null } },
    onStatus: (status) => {
      if (status.state === 'restarting' || status.state === 'failed') console.error(`engine: ${status.message}`);
      const event = relay.eventFor(status);
      if (event) send(eventChannel('engine/status'), event);
    },
  });
  const service = await createApiService({ engine, dataDir: app.getPath('userData'), modelLocations: locations });
  service.onAny((message) => send(eventChannel(message.event), message.payload));

  handleAppSchemes(path.join(packageRoot(), 'renderer', 'dist'), (handle) => service.resolveImage(handle));
  const dialogs = createDialogs(() => window.current, service);
  registerIpcHandlers<IpcMainInvokeEvent>({
    ipcMain,
    isTrusted: (event) =>
      isTrustedSender(
        { frameUrl: event.senderFrame?.url, isTopFrame: event.senderFrame?.parent === null, webContentsId: event.sender.id },
        window.current?.webContents.id,
      ),
    describeSender: (event) => `the frame ${event.senderFrame?.url ?? '(gone)'}`,
    dispatch: (call, args) => service.invoke(call, args),
    host: dialogs,
  });
  const reportMenuFailure = (error: unknown): void => {
    void dialog.showMessageBox({ type: 'error', title: APP_TITLE, message: toAppError(error).message });
  };
  installMenu({
    openImages: () => void dialogs['open-images']({ folders: false }).catch(reportMenuFailure),
    openFolder: () => void dialogs['open-images']({ folders: true }).catch(reportMenuFailure),
    chooseOutputFolder: () => void dialogs['choose-output-folder']({}).catch(reportMenuFailure),
    restartEngine: () => void engine.restart().catch(reportMenuFailure),
  });
  for (const problem of service.startupProblems) console.warn(`startup: ${problem.message}`);
  return { service, engine, window };
}

async function openWindow(session: AppSession): Promise<void> {
  const window = await createMainWindow({
    preloadPath: path.join(here, '..', 'preload', 'preload.cjs'),
    userDataDir: app.getPath('userData'),
    title: APP_TITLE,
    iconPath: app.isPackaged ? undefined : path.join(packageRoot(), 'build', 'icon.png'),
  });
  session.window.current = window;
  window.on('closed', () => {
    if (session.window.current === window) session.window.current = undefined;
  });
  await loadApp(window);
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.setName(APP_TITLE);
  app.enableSandbox();
  registerSchemePrivileges();
  app.on('web-contents-created', (_event, contents) => lockNavigation(contents));

  let session: AppSession | undefined;
  let quitting = false;
  app.on('second-instance', () => {
    const window = session?.window.current;
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (session && !session.window.current) void openWindow(session);
  });
  // Save the queue and stop the engine before quitting; the running item stays queued and resumes next time.
  app.on('before-quit', (event) => {
    if (quitting || !session) return;
    event.preventDefault();
    quitting = true;
    const closing = session;
    void closing.service
      .close()
      .then(() => closing.engine.close())
      .catch((error: unknown) => console.error(`Shutdown: ${toAppError(error).message}`))
      .finally(() => app.quit());
  });

  void app
    .whenReady()
    .then(async () => {
      app.setAboutPanelOptions({ applicationName: APP_TITLE, applicationVersion: app.getVersion(), credits: 'x4 photo upscaling with TinySR, on your own machine.' });
      session = await startSession();
      await openWindow(session);
    })
    .catch((error: unknown) => {
      dialog.showErrorBox(`${APP_TITLE} could not start`, toAppError(error).message);
      app.exit(1);
    });
}

main();
