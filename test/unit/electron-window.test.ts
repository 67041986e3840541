// Window state (placement on the displays there are now, the saved file) and the platform menus, without Electron.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { buildMenuTemplate, type MenuActions } from '../../electron/main/menu-template.js';
import { DEFAULT_WINDOW_STATE, MIN_WIDTH, placeWindow, stateToSave, windowStateDocument } from '../../electron/main/window-state.js';

const PRIMARY = { x: 0, y: 0, width: 1920, height: 1040 };
const RIGHT = { x: 1920, y: 0, width: 1280, height: 1000 };

describe('placeWindow', () => {
  it('keeps a saved position that is still on a display, shrinking the size to fit it', () => {
    expect(placeWindow({ x: 2000, y: 40, width: 1600, height: 900, maximized: false }, [PRIMARY, RIGHT])).toEqual({
      x: 2000,
      y: 40,
      width: 1280,
      height: 900,
      maximized: false,
    });
  });
  it('drops a position whose title bar is off every display (a monitor was unplugged)', () => {
    expect(placeWindow({ x: 2000, y: 40, width: 1000, height: 700, maximized: true }, [PRIMARY])).toEqual({ width: 1000, height: 700, maximized: true });
    expect(placeWindow({ x: 100, y: -600, width: 1000, height: 700, maximized: false }, [PRIMARY])).toEqual({ width: 1000, height: 700, maximized: false });
  });
  it('never goes below the minimum size, even on a small screen', () => {
    expect(placeWindow(DEFAULT_WINDOW_STATE, [{ x: 0, y: 0, width: 640, height: 400 }])).toMatchObject({ width: MIN_WIDTH });
  });
  it('saves whole-pixel normal bounds with the maximized flag', () => {
    expect(stateToSave({ x: 10.4, y: 20.6, width: 1000.2, height: 700.7 }, true)).toEqual({ x: 10, y: 21, width: 1000, height: 701, maximized: true });
  });
});

describe('window state file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr-window-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('round-trips through the user data folder', async () => {
    const doc = windowStateDocument(dir);
    await doc.save({ x: 5, y: 6, width: 1000, height: 800, maximized: false });
    expect((await windowStateDocument(dir).load(() => DEFAULT_WINDOW_STATE)).value).toEqual({ x: 5, y: 6, width: 1000, height: 800, maximized: false });
  });
  it('falls back to the defaults, saying why, when the file is damaged or invalid', async () => {
    const doc = windowStateDocument(dir);
    await fs.writeFile(doc.file, '{"width": 10, "height": "tall"}');
    const loaded = await doc.load(() => DEFAULT_WINDOW_STATE);
    expect(loaded.value).toEqual(DEFAULT_WINDOW_STATE);
    expect(loaded.problem?.message).toMatch(/window state.*width/);
  });
});

describe('application menu', () => {
  const actions = (): Record<keyof MenuActions, Mock<() => void>> => ({
    openImages: vi.fn<() => void>(),
    openFolder: vi.fn<() => void>(),
    chooseOutputFolder: vi.fn<() => void>(),
    restartEngine: vi.fn<() => void>(),
  });
  const items = (template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
    template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
  const menuOf = (template: MenuItemConstructorOptions[], label: string) => template.find((m) => m.label === label);
  const roles = (item: MenuItemConstructorOptions | undefined) => (Array.isArray(item?.submenu) ? item.submenu.map((i) => i.role).filter(Boolean) : []);

  it('on macOS puts About and Quit in the app menu and adds the Window menu', () => {
    const template = buildMenuTemplate({ platform: 'darwin', appName: 'TinySR Studio', developerItems: false }, actions());
    expect(roles(menuOf(template, 'TinySR Studio'))).toEqual(expect.arrayContaining(['about', 'quit', 'hide']));
    expect(roles(menuOf(template, '&File'))).not.toContain('quit');
    expect(template.some((m) => m.role === 'windowMenu')).toBe(true);
  });

  it('on Windows and Linux puts Quit in File and About in Help', () => {
    for (const platform of ['win32', 'linux'] as const) {
      const template = buildMenuTemplate({ platform, appName: 'TinySR Studio', developerItems: false }, actions());
      expect(roles(menuOf(template, '&File'))).toContain('quit');
      expect(roles(menuOf(template, '&Help'))).toEqual(['about']);
    }
  });

  it('offers open (with shortcuts), paste and engine restart everywhere, and developer tools only when asked', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const acts = actions();
      const all = items(buildMenuTemplate({ platform, appName: 'TinySR Studio', developerItems: false }, acts));
      const byLabel = (label: string) => all.find((i) => i.label === label);
      expect(byLabel('Open Images…')?.accelerator).toBe('CmdOrCtrl+O');
      expect(byLabel('Open Folder…')?.accelerator).toBe('CmdOrCtrl+Shift+O');
      expect(all.some((i) => i.role === 'paste')).toBe(true);
      expect(all.some((i) => i.role === 'toggleDevTools')).toBe(false);
      for (const [label, action] of [['Open Images…', 'openImages'], ['Open Folder…', 'openFolder'], ['Choose Output Folder…', 'chooseOutputFolder'], ['Restart Engine', 'restartEngine']] as const) {
        (byLabel(label)?.click as (() => void) | undefined)?.();
        expect(acts[action], `${platform} ${label}`).toHaveBeenCalledTimes(1);
      }
    }
    const dev = items(buildMenuTemplate({ platform: 'linux', appName: 'TinySR Studio', developerItems: true }, actions()));
    expect(dev.some((i) => i.role === 'toggleDevTools')).toBe(true);
  });
});
