// Where the app's own pages come from, and the checks built on it: which frames may call the API, where the window
// may navigate, and which new windows may open (none: https links go to the system browser). Pure decisions on URLs
// and frame facts; window.ts and main.ts apply them to Electron's events.
//
// May import: nothing.

/** The privileged scheme serving renderer/dist (a real origin for CSP 'self', unlike file://). */
export const APP_SCHEME = 'tinysr-app';
export const APP_HOST = 'renderer';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True when `url` is one of the app's own pages (same scheme and host; Node's URL gives custom schemes a null origin). */
export function isAppUrl(url: string | undefined): boolean {
  if (url === undefined) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** What main knows about the frame behind an IPC message. */
export interface SenderFacts {
  /** The sending frame's URL; undefined when the frame is gone (navigated or destroyed since it sent). */
  frameUrl: string | undefined;
  /** Whether the sending frame is its page's top frame (not an iframe). */
  isTopFrame: boolean;
  webContentsId: number;
}

/** Only the app window's own top frame, showing the app's own page, may use the API. */
export function isTrustedSender(sender: SenderFacts, appWebContentsId: number | undefined): boolean {
  return appWebContentsId !== undefined && sender.webContentsId === appWebContentsId && sender.isTopFrame && isAppUrl(sender.frameUrl);
}

/** `will-navigate`: the window never leaves the app (a dropped file or a link would otherwise replace it). */
export function mayNavigate(url: string): boolean {
  return isAppUrl(url);
}

/** `setWindowOpenHandler`: no new windows ever; https links open in the user's browser, anything else is dropped. */
export function externalLinkFor(url: string): string | undefined {
  try {
    return new URL(url).protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
