// The main window's size, position and maximized state: its schema (the file is a trust boundary like any saved
// state), where to put the window next time (a saved position on a monitor that has since gone is dropped, a size
// larger than the screen is shrunk), and its file in the user data folder, saved atomically by core/settings'
// JsonDocument. Electron-free: window.ts feeds it the displays' work areas and the window's bounds.
//
// May import: zod, node:path, core/settings (JsonDocument).
import path from 'node:path';
import { z } from 'zod';
import { JsonDocument } from '../core/settings/index.js';

export const WINDOW_STATE_FILE = 'window-state.json';
export const MIN_WIDTH = 720;
export const MIN_HEIGHT = 480;
/** How much of the title bar must stay on a screen for a saved position to be reused. */
const VISIBLE_WIDTH = 160;
const VISIBLE_HEIGHT = 48;

export const WindowStateSchema = z
  .object({
    x: z.number().int().optional(),
    y: z.number().int().optional(),
    width: z.number().int().min(MIN_WIDTH),
    height: z.number().int().min(MIN_HEIGHT),
    maximized: z.boolean(),
  })
  .strict();
export type WindowState = z.infer<typeof WindowStateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 840, maximized: false };

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Where the window opens: the saved bounds when the title bar's top strip is on one of the work areas (the size
 * shrunk to fit that area), else centred by the OS (no x/y) at the saved size shrunk to the primary work area.
 * @param workAreas the displays' work areas, primary first.
 */
export function placeWindow(saved: WindowState, workAreas: readonly Rect[]): WindowState {
  const fit = (area: Rect | undefined): { width: number; height: number } =>
    area === undefined
      ? { width: saved.width, height: saved.height }
      : { width: Math.max(MIN_WIDTH, Math.min(saved.width, area.width)), height: Math.max(MIN_HEIGHT, Math.min(saved.height, area.height)) };
  if (saved.x !== undefined && saved.y !== undefined) {
    const titleBar: Rect = { x: saved.x, y: saved.y, width: saved.width, height: VISIBLE_HEIGHT };
    const home = workAreas.find((area) => {
      const shared = overlap(titleBar, area);
      return shared.width >= VISIBLE_WIDTH && shared.height >= VISIBLE_HEIGHT;
    });
    if (home) return { x: saved.x, y: saved.y, ...fit(home), maximized: saved.maximized };
  }
  return { ...fit(workAreas[0]), maximized: saved.maximized };
}

/** The state to save: the normal (un-maximized) bounds, so restoring from maximized gives the user's own size back. */
export function stateToSave(normalBounds: Rect, maximized: boolean): WindowState {
  return {
    x: Math.round(normalBounds.x),
    y: Math.round(normalBounds.y),
    width: Math.max(MIN_WIDTH, Math.round(normalBounds.width)),
    height: Math.max(MIN_HEIGHT, Math.round(normalBounds.height)),
    maximized,
  };
}

export function windowStateDocument(userDataDir: string): JsonDocument<typeof WindowStateSchema> {
  return new JsonDocument(path.join(userDataDir, WINDOW_STATE_FILE), WindowStateSchema, 'window state');
}
