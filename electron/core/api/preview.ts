// Region preview: the model run on a small region of one input, in seconds, beside the same region upscaled with
// bicubic, so the user can judge a model before committing the full render. The region is cut from the oriented
// input with a margin of context (so the model sees what is around the region's edges, as in the full render),
// upscaled by the engine like any image, then the margin is cut off again. Files live in the data folder's
// `previews/` (only the latest few are kept) and reach the renderer as image handles, never as paths.
//
// May import: sharp, node:fs, node:path, node:crypto, core/shared, core/engine (types).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { UpscaleRequest, UpscaleResult } from '../engine/index.js';
import type { ApiResult, Rect } from '../shared/api.js';
import { AppError, toAppError } from '../shared/errors.js';
import type { ItemSettings } from '../shared/settings.js';

/** Largest region side (LR px): a preview must take seconds, not minutes. */
export const MAX_PREVIEW_SIDE = 512;
/** Context (LR px) around the region, cut off after upscaling. */
const CONTEXT_MARGIN = 16;
/** Previews kept on disk; older ones are deleted. */
const PREVIEWS_KEPT = 8;

export interface PreviewEngine {
  upscale(request: UpscaleRequest): Promise<UpscaleResult>;
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

  async render(input: string, rect: Rect, model: { id: string; scale: number }, settings: ItemSettings): Promise<ApiResult<'preview/region'>> {
    const meta = await sharp(input).metadata().catch((error: unknown) => {
      throw toAppError(error, 'INPUT_CORRUPT', input);
    });
    const width = meta.autoOrient.width;
    const height = meta.autoOrient.height;
    const region = clampRect(rect, width, height);
    const left = Math.max(0, region.x - CONTEXT_MARGIN);
    const top = Math.max(0, region.y - CONTEXT_MARGIN);
    const context: Rect = {
      x: left,
      y: top,
      width: Math.min(width, region.x + region.width + CONTEXT_MARGIN) - left,
      height: Math.min(height, region.y + region.height + CONTEXT_MARGIN) - top,
    };
    const id = randomUUID();
    const folder = path.join(this.dir, id);
    await fs.mkdir(folder, { recursive: true });
    try {
      const crop = path.join(folder, 'crop.png');
      await sharp(input).autoOrient().extract({ left: context.x, top: context.y, width: context.width, height: context.height }).png().toFile(crop);
      const upscaledContext = path.join(folder, 'upscaled-context.png');
      const result = await this.engine.upscale({
        input: crop,
        output: upscaledContext,
        model: model.id,
        provider: settings.provider,
        format: 'png',
        metadata: 'strip',
        overwrite: true,
        ...(settings.tile === null ? {} : { tile: settings.tile }),
        ...(settings.overlap === null ? {} : { overlap: settings.overlap }),
      });
      const s = model.scale;
      const files: PreviewFiles = { upscaled: path.join(folder, 'upscaled.png'), bicubic: path.join(folder, 'bicubic.png') };
      await sharp(upscaledContext)
        .extract({ left: (region.x - context.x) * s, top: (region.y - context.y) * s, width: region.width * s, height: region.height * s })
        .png()
        .toFile(files.upscaled);
      await sharp(crop)
        .extract({ left: region.x - context.x, top: region.y - context.y, width: region.width, height: region.height })
        .resize(region.width * s, region.height * s, { kernel: 'cubic' })
        .png()
        .toFile(files.bicubic);
      await Promise.all([fs.rm(crop, { force: true }), fs.rm(upscaledContext, { force: true })]);
      this.keep(id, files);
      const size = { width: region.width * s, height: region.height * s };
      return {
        id,
        rect: region,
        model: model.id,
        scale: s,
        upscaled: { handle: previewHandles.upscaled(id), ...size },
        bicubic: { handle: previewHandles.bicubic(id), ...size },
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

/** The rectangle clipped to the image and to MAX_PREVIEW_SIDE; INVALID_ARGUMENT when it lies outside the image. */
export function clampRect(rect: Rect, width: number, height: number): Rect {
  if (rect.x >= width || rect.y >= height) {
    throw new AppError('INVALID_ARGUMENT', `The preview region starts at (${rect.x}, ${rect.y}), outside the ${width}x${height} image; draw it inside the image.`, {
      details: { argument: 'rect', rect, width, height },
    });
  }
  return {
    x: rect.x,
    y: rect.y,
    width: Math.min(rect.width, width - rect.x, MAX_PREVIEW_SIDE),
    height: Math.min(rect.height, height - rect.y, MAX_PREVIEW_SIDE),
  };
}
