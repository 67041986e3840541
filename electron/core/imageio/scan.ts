// Turns the paths a user gave (command line, drop, file picker) into image files: files named explicitly are kept as
// given (the caller decides what to do with an odd extension), folders are expanded to the image files in them by
// extension, sorted by name, skipping hidden files (and our own temp files), and into sub-folders only when asked,
// never into a folder the caller skips (its output folders). Each file is listed once. Symbolic links are followed
// like what they point to (a folder of links to photos is a folder of photos); a folder reached a second time through
// a link (a loop, or two links to one folder) is not scanned again; a link to nothing is reported as missing, never
// dropped in silence. Used by the CLI (which mirrors sub-folders under its output folder) and the app's queue (which
// then probes each file's header).
//
// May import: node:fs, node:path.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Extensions a folder scan picks up: the formats we decode (INPUT_FORMATS) by their usual file extensions. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.jfif', '.png', '.webp', '.tif', '.tiff', '.avif', '.gif']);

export type ScannedInput =
  /**
   * An image file (by extension) found in a folder, or a file named explicitly (`named`, whatever its extension).
   * `path` is the given path or joined onto it (relative stays relative); `relativeDir` is the sub-folder it was found
   * in, relative to the folder given ('' for the top level and for named files).
   */
  | { kind: 'file'; path: string; relativeDir: string; named: boolean }
  /** A given path that does not exist, or a link (given or found in a folder) to nothing. */
  | { kind: 'missing'; path: string };

export interface ScanOptions {
  /** Descend into sub-folders. */
  recursive: boolean;
  /** Sub-folders a scan never enters (the caller's output folders), given the folder's path as joined. */
  skipFolder: (dir: string) => boolean;
}

/** The given paths expanded, in the order given (each folder's files sorted by name, depth first). */
export async function scanImageInputs(paths: readonly string[], options: ScanOptions): Promise<ScannedInput[]> {
  const found: ScannedInput[] = [];
  for (const given of paths) {
    const stat = await fs.stat(given).catch(() => undefined);
    if (!stat) found.push({ kind: 'missing', path: given });
    else if (stat.isDirectory()) await scanFolder(given, given, options, found, new Set());
    else found.push({ kind: 'file', path: given, relativeDir: '', named: true });
  }
  const seen = new Set<string>();
  return found.filter((entry) => {
    if (entry.kind === 'missing') return true;
    const key = path.resolve(entry.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** @param visited the real paths of the folders scanned so far in this walk (loop protection). */
async function scanFolder(root: string, dir: string, options: ScanOptions, into: ScannedInput[], visited: Set<string>): Promise<void> {
  const real = await fs.realpath(dir);
  if (visited.has(real)) return;
  visited.add(real);
  const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue; // hidden files, and the engine's own temp files
    const full = path.join(dir, entry.name);
    const isImageName = IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase());
    let isFolder = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await fs.stat(full).catch(() => undefined);
      if (target === undefined) {
        if (isImageName) into.push({ kind: 'missing', path: full });
        continue;
      }
      isFolder = target.isDirectory();
      isFile = target.isFile();
    }
    if (isFolder) {
      if (options.recursive && !options.skipFolder(full)) await scanFolder(root, full, options, into, visited);
    } else if (isFile && isImageName) {
      into.push({ kind: 'file', path: full, relativeDir: path.relative(root, dir), named: false });
    }
  }
}
