// Electron glue: the app window, locked down: sandboxed, context-isolated renderer without Node, web security on,
// the preload as its only bridge, navigation and new windows refused (https links go to the system browser),
// no permissions granted, and its bounds saved in the user data folder when it closes.
//
// May import: electron, ./app-origin, ./window-state.
import { BrowserWindow, nativeTheme, screen, shell } from 'electron';
import { APP_ENTRY_URL, externalLinkFor, mayNavigate } from './app-origin.js';
import { DEFAULT_WINDOW_STATE, MIN_HEIGHT, MIN_WIDTH, placeWindow, stateToSave, windowStateDocument } from './window-state.js';

export interface MainWindowOptions {
  preloadPath: string;
  userDataDir: string;
  title: string;
  iconPath?: string | undefined;
}

/** Every web contents the app creates (the window, and any it might spawn) refuses to navigate away or open windows. */
export function lockNavigation(contents: Electron.WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!mayNavigate(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!mayNavigate(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalLinkFor(url);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
}

/** Creates the window, not yet showing the app page (see loadApp). */
export async function createMainWindow(options: MainWindowOptions): Promise<BrowserWindow> {
  const stateFile = windowStateDocument(options.userDataDir);
  const saved = await stateFile.load(() => DEFAULT_WINDOW_STATE);
  const workAreas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea);
  const placed = placeWindow(saved.value, workAreas);

  const window = new BrowserWindow({
    ...(placed.x === undefined || placed.y === undefined ? {} : { x: placed.x, y: placed.y }),
    width: placed.width,
    height: placed.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: options.title,
    ...(options.iconPath ? { icon: options.iconPath } : {}),
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#f6f7f9',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  window.webContents.session.setPermissionRequestHandler((_contents, _permission, grant) => grant(false));
  window.webContents.session.setPermissionCheckHandler(() => false);
  if (placed.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => {
    void stateFile.save(stateToSave(window.getNormalBounds(), window.isMaximized())).catch((error: unknown) => {
      console.error(`Could not save the window state to ${stateFile.file}: ${String(error)}`);
    });
  });
  return window;
}

/** Loads the app page; call it once main can recognise this window as the IPC sender (see main.ts). */
export function loadApp(window: BrowserWindow): Promise<void> {
  return window.loadURL(APP_ENTRY_URL);
}
