// Region preview: the model run on a small region of one input, in seconds, beside the same region upscaled with
// bicubic, so the user can judge a model before committing the full render. The engine process renders it (cropping
// with a margin of context, upscaling, cutting back: see core/engine's image-requests.ts), so this process never
// decodes an image. Files live in the data folder's `previews/<id>/` (only the latest few are kept) and reach the
// renderer as image handles, never as paths.
//
// May import: node:fs, node:path, node:crypto, core/shared, core/engine (types).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { JobOptions, PreviewRequest, PreviewResult } from '../engine/index.js';
import type { ApiResult, Rect } from '../shared/api.js';
import { toAppError } from '../shared/errors.js';
import type { ItemSettings } from '../shared/settings.js';

/** Largest region side (LR px): a preview must take seconds, not minutes. */
export const MAX_PREVIEW_SIDE = 512;
/** Previews kept on disk; older ones are deleted. */
const PREVIEWS_KEPT = 8;

export interface PreviewEngine {
  preview(request: PreviewRequest, options?: JobOptions): Promise<PreviewResult>;
}

export interface PreviewFiles {
  upscaled: string;
  bicubic: string;
}

export const previewHandles = {
  upscaled: (id: string): string => `preview/${id}/upscaled`,
  bicubic: (id: string): string => `preview/${id}/bicubic`,
};

/** Renders previews into `dir` and remembers the latest ones for resolveImage. */
export class PreviewRenderer {
  private readonly kept = new Map<string, PreviewFiles>();

  constructor(
    private readonly dir: string,
    private readonly engine: PreviewEngine,
  ) {}

  files(id: string): PreviewFiles | undefined {
    return this.kept.get(id);
  }

  async render(input: string, rect: Rect, model: { id: string }, settings: ItemSettings): Promise<ApiResult<'preview/region'>> {
    const id = randomUUID();
    const folder = path.join(this.dir, id);
    try {
      const result = await this.engine.preview({
        input,
        rect: { ...rect, width: Math.min(rect.width, MAX_PREVIEW_SIDE), height: Math.min(rect.height, MAX_PREVIEW_SIDE) },
        model: model.id,
        provider: settings.provider,
        dir: folder,
        ...(settings.tile === null ? {} : { tile: settings.tile }),
        ...(settings.overlap === null ? {} : { overlap: settings.overlap }),
      });
      this.keep(id, { upscaled: result.upscaled, bicubic: result.bicubic });
      return {
        id,
        rect: result.rect,
        model: model.id,
        scale: result.scale,
        upscaled: { handle: previewHandles.upscaled(id), ...result.size },
        bicubic: { handle: previewHandles.bicubic(id), ...result.size },
        provider: result.provider,
        wallMs: result.wallMs,
      };
    } catch (error) {
      await fs.rm(folder, { recursive: true, force: true });
      throw toAppError(error, 'INFERENCE_FAILED', input);
    }
  }

  private keep(id: string, files: PreviewFiles): void {
    this.kept.set(id, files);
    for (const old of [...this.kept.keys()].slice(0, Math.max(0, this.kept.size - PREVIEWS_KEPT))) {
      this.kept.delete(old);
      void fs.rm(path.join(this.dir, old), { recursive: true, force: true });
    }
  }
}
