// Turns the paths on the command line into the list of image files to upscale: files as given (so a bad one gets a
// precise error later), folders expanded to the images in them (and their subfolders with --recursive, keeping the
// folder structure under the output folder). Never descends into the output folder itself.
//
// May import: node:fs, node:path.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Extensions a folder scan picks up (files named explicitly are always tried). */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jfif', '.png', '.webp', '.tif', '.tiff', '.avif', '.gif']);

export interface InputFile {
  path: string;
  /** Subfolder (relative to the scanned folder) to mirror under the output folder; '' for the top level. */
  relativeDir: string;
}

export interface ExpandedInputs {
  files: InputFile[];
  /** Command-line paths that do not exist. */
  missing: string[];
}

async function scanFolder(root: string, dir: string, recursive: boolean, exclude: string, into: InputFile[]): Promise<void> {
  const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue; // hidden files, and our own temp files
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive && path.resolve(full) !== exclude) await scanFolder(root, full, recursive, exclude, into);
    } else if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      into.push({ path: full, relativeDir: path.relative(root, dir) });
    }
  }
}

export async function expandInputs(paths: readonly string[], options: { recursive: boolean; outputDir: string }): Promise<ExpandedInputs> {
  const exclude = path.resolve(options.outputDir);
  const found: InputFile[] = [];
  const missing: string[] = [];
  for (const given of paths) {
    const stat = await fs.stat(given).catch(() => undefined);
    if (!stat) missing.push(given);
    else if (stat.isDirectory()) await scanFolder(given, given, options.recursive, exclude, found);
    else found.push({ path: given, relativeDir: '' });
  }
  const seen = new Set<string>();
  const files = found.filter((f) => {
    const key = path.resolve(f.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { files, missing };
}
