// Images the browser cannot decode (TIFF inputs and outputs) are shown through a PNG copy the engine makes, so the
// comparison never shows a broken or blank image, or the original on the "Result" side. Copies live in the data
// folder's `display/` for one session (the service empties it at start), named by the file's path, size and
// modification time, so a file replaced on disk gets a fresh copy and an unchanged one is converted once.
//
// May import: node:crypto, node:fs, node:path, core/shared, core/engine (types).
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DisplayRequest, DisplayResult, JobOptions } from '../engine/index.js';

export interface DisplayEngine {
  display(request: DisplayRequest, options?: JobOptions): Promise<DisplayResult>;
}

/** Extensions of formats the app reads and writes that Chromium cannot show. */
const NOT_BROWSER_VIEWABLE = new Set(['.tif', '.tiff']);

export function needsDisplayCopy(file: string): boolean {
  return NOT_BROWSER_VIEWABLE.has(path.extname(file).toLowerCase());
}

export class DisplayCopies {
  /** Conversions under way, so two requests for one image (thumbnail and comparison) convert it once. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly dir: string,
    private readonly engine: DisplayEngine,
  ) {}

  /** The PNG copy of `file`, made by the engine if it is not there yet. */
  async copyOf(file: string): Promise<string> {
    const stat = await fs.stat(file);
    const key = createHash('sha256').update(`${file}\0${stat.size}\0${stat.mtimeMs}`).digest('hex').slice(0, 32);
    const output = path.join(this.dir, `${key}.png`);
    const known = this.pending.get(output);
    if (known) return known;
    const made = fs
      .access(output)
      .catch(() => this.engine.display({ input: file, output }))
      .then(() => output)
      .finally(() => this.pending.delete(output));
    this.pending.set(output, made);
    return made;
  }
}
