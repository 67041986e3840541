// The application menu as data, per platform: macOS gets the app menu (About, Services, Hide, Quit) and a Window menu;
// Windows and Linux put Quit in File and About in Help. Open and paste work from the keyboard everywhere (Paste is
// the Edit role, which the renderer's paste handler turns into queued files). Electron-free: menu.ts builds the real
// Menu from it; the tests read it.
//
// May import: electron (types only).
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openImages(): void;
  openFolder(): void;
  chooseOutputFolder(): void;
  restartEngine(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** Developer tools and reload, for unpackaged runs only. */
  developerItems: boolean;
}

export function buildMenuTemplate(options: MenuOptions, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'Open Images…', accelerator: 'CmdOrCtrl+O', click: () => actions.openImages() },
      { label: 'Open Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.openFolder() },
      { type: 'separator' },
      { label: 'Choose Output Folder…', click: () => actions.chooseOutputFolder() },
      ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      ...(options.developerItems ? [{ role: 'reload' } as const, { role: 'toggleDevTools' } as const, { type: 'separator' } as const] : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const engine: MenuItemConstructorOptions = {
    label: 'E&ngine',
    submenu: [{ label: 'Restart Engine', click: () => actions.restartEngine() }],
  };
  if (mac) {
    return [
      {
        label: options.appName,
        submenu: [
          { role: 'about' },
          { type: 'separator' },
          { role: 'services' },
          { type: 'separator' },
          { role: 'hide' },
          { role: 'hideOthers' },
          { role: 'unhide' },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      file,
      edit,
      view,
      engine,
      { role: 'windowMenu' },
    ];
  }
  return [file, edit, view, engine, { label: '&Help', submenu: [{ role: 'about' }] }];
}
