// `~` in a folder the user typed means their home folder, as in a shell: browser mode has no folder dialog, so a
// typed `~/Upscaled` must work (it was refused as not absolute).
//
// May import: node:os, node:path.
import os from 'node:os';
import path from 'node:path';

/** `~` or `~/rest` (also `~\rest`) with the home folder put in; anything else unchanged. */
export function expandHome(folder: string, home: string = os.homedir()): string {
  if (folder === '~') return home;
  if (folder.startsWith('~/') || folder.startsWith('~\\')) return path.join(home, folder.slice(2));
  return folder;
}
