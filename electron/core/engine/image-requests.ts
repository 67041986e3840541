// The engine's small image requests besides upscale, run in the engine process so their callers (the API service
// in Electron's main process) never load sharp: `inspect` (header probes of many files), `preview` (a region of one
// input through the model beside the same region upscaled with bicubic) and `display` (a PNG copy of an image the
// browser cannot decode, e.g. TIFF). The preview's model run is the engine's own
// upscale path on a cropped file, so tiling, providers and out-of-memory recovery are the same as for a full render.
//
// May import: node:fs, node:path, core/imageio, core/shared, ./tile-loop.
import fs from 'node:fs/promises';
import path from 'node:path';
import { readImageInfo, writeDisplayPng, writeRegionPng, type InputFormat as ImageInputFormat } from '../imageio/index.js';
import type {
  DisplayRequest,
  DisplayResult,
  InputFormat,
  InspectRequest,
  InspectResult,
  PixelRect,
  PreviewResult,
  ResolvedPreviewRequest,
  UpscaleRequest,
  UpscaleResult,
} from '../shared/engine-protocol.js';
import { AppError, toAppError } from '../shared/errors.js';
import { throwIfCancelled } from './tile-loop.js';

// Compile-time check: the protocol's input formats and imageio's must stay the same list.
type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _inputFormatsMatch: SameUnion<InputFormat, ImageInputFormat> = true;

/** Context (LR px) around a preview region, so the model sees what surrounds its edges; cut off after upscaling. */
const CONTEXT_MARGIN = 16;

/** Header probe of each path (no pixels decoded); a failure is that path's answer, never the whole request's. */
export async function inspectImages(request: InspectRequest, signal?: AbortSignal): Promise<InspectResult> {
  const images: InspectResult['images'] = [];
  for (const file of request.paths) {
    throwIfCancelled(signal);
    try {
      const info = await readImageInfo(file);
      images.push({ path: file, ok: true, format: info.format, width: info.width, height: info.height });
    } catch (error) {
      images.push({ path: file, ok: false, error: toAppError(error, 'INPUT_UNREADABLE', file).toJSON() });
    }
  }
  return { images };
}

/** The display copy of `request.input` (its folder created if missing); a file that cannot be read fails as its own. */
export async function renderDisplayCopy(request: DisplayRequest, signal?: AbortSignal): Promise<DisplayResult> {
  throwIfCancelled(signal);
  await fs.mkdir(path.dirname(request.output), { recursive: true });
  try {
    return { output: request.output, ...(await writeDisplayPng(request.input, request.output)) };
  } catch (error) {
    throw toAppError(error, 'INPUT_UNREADABLE', request.input);
  }
}

export interface PreviewContext {
  signal?: AbortSignal | undefined;
  /** The engine's upscale, with the preview's signal and event listener. */
  upscale: (request: UpscaleRequest) => Promise<UpscaleResult>;
}

/** Renders a region preview into `request.dir` (created if missing); the files this step needed are removed again. */
export async function renderRegionPreview(request: ResolvedPreviewRequest, context: PreviewContext): Promise<PreviewResult> {
  const { input, dir } = request;
  const info = await readImageInfo(input);
  const region = clipToImage(request.rect, info.width, info.height);
  const left = Math.max(0, region.x - CONTEXT_MARGIN);
  const top = Math.max(0, region.y - CONTEXT_MARGIN);
  const around: PixelRect = {
    x: left,
    y: top,
    width: Math.min(info.width, region.x + region.width + CONTEXT_MARGIN) - left,
    height: Math.min(info.height, region.y + region.height + CONTEXT_MARGIN) - top,
  };
  const inCrop: PixelRect = { x: region.x - around.x, y: region.y - around.y, width: region.width, height: region.height };
  await fs.mkdir(dir, { recursive: true });
  const crop = path.join(dir, 'crop.png');
  const upscaledCrop = path.join(dir, 'upscaled-context.png');
  try {
    throwIfCancelled(context.signal);
    await writeRegionPng(input, around, crop);
    const result = await context.upscale({
      input: crop,
      output: upscaledCrop,
      model: request.model,
      provider: request.provider,
      precision: request.precision,
      format: 'png',
      metadata: 'strip',
      overwrite: true,
      ...(request.tile === undefined ? {} : { tile: request.tile }),
      ...(request.overlap === undefined ? {} : { overlap: request.overlap }),
    });
    const scale = result.outputSize.width / result.inputSize.width;
    const upscaled = path.join(dir, 'upscaled.png');
    const bicubic = path.join(dir, 'bicubic.png');
    throwIfCancelled(context.signal);
    await writeRegionPng(upscaledCrop, { x: inCrop.x * scale, y: inCrop.y * scale, width: inCrop.width * scale, height: inCrop.height * scale }, upscaled);
    await writeRegionPng(crop, inCrop, bicubic, { scale });
    return {
      rect: region,
      scale,
      upscaled,
      bicubic,
      size: { width: region.width * scale, height: region.height * scale },
      provider: result.provider,
      wallMs: result.wallMs,
    };
  } catch (error) {
    throw toAppError(error, 'INFERENCE_FAILED', input);
  } finally {
    await Promise.all([fs.rm(crop, { force: true }), fs.rm(upscaledCrop, { force: true })]);
  }
}

/** The rectangle clipped to the image; INVALID_ARGUMENT when it starts outside the image. */
function clipToImage(rect: PixelRect, width: number, height: number): PixelRect {
  if (rect.x >= width || rect.y >= height) {
    throw new AppError('INVALID_ARGUMENT', `The preview region starts at (${rect.x}, ${rect.y}), outside the ${width}x${height} image; draw it inside the image.`, {
      details: { argument: 'rect', rect, width, height },
    });
  }
  return { x: rect.x, y: rect.y, width: Math.min(rect.width, width - rect.x), height: Math.min(rect.height, height - rect.y) };
}
