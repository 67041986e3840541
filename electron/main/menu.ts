// Electron glue: installs the application menu built by menu-template.ts.
//
// May import: electron, ./menu-template.
import { app, Menu } from 'electron';
import { buildMenuTemplate, type MenuActions } from './menu-template.js';

export function installMenu(actions: MenuActions): void {
  const template = buildMenuTemplate({ platform: process.platform, appName: app.name, developerItems: !app.isPackaged }, actions);
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
