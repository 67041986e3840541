// Turns the paths on the command line into the list of image files to upscale, with core/imageio's scanImageInputs:
// files as given (so a bad one gets a precise error later), folders expanded to the images in them (and their
// subfolders with --recursive, each file keeping its subfolder so the structure is mirrored under the output
// folder). Never descends into the output folder itself.
//
// May import: node:path, core/imageio.
import path from 'node:path';
import { scanImageInputs } from '../core/imageio/index.js';

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

export async function expandInputs(paths: readonly string[], options: { recursive: boolean; outputDir: string }): Promise<ExpandedInputs> {
  const outputDir = path.resolve(options.outputDir);
  const scanned = await scanImageInputs(paths, { recursive: options.recursive, skipFolder: (dir) => path.resolve(dir) === outputDir });
  const files: InputFile[] = [];
  const missing: string[] = [];
  for (const entry of scanned) {
    if (entry.kind === 'missing') missing.push(entry.path);
    else files.push({ path: entry.path, relativeDir: entry.relativeDir });
  }
  return { files, missing };
}
