// From a queue item and its effective settings to what the engine is asked: the model (null: the default), the output
// format (`same`: the input's, GIF becomes PNG), the output folder (null: `upscaled/` beside the input), the file
// name from the template, and the overwrite policy (skip an existing output, overwrite it, or pick a free
// `name (2).ext`). Decided before the engine runs, so a skipped file costs nothing.
//
// May import: node:fs, node:path, core/shared, core/imageio (pure ./naming and ./types only), core/engine (types only).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { UpscaleRequest } from '../engine/index.js';
import { resolveOutputPath } from '../imageio/naming.js';
import type { InputFormat, OutputFormat } from '../imageio/types.js';
import type { ItemSettings } from '../shared/settings.js';

/** Where outputs go when the settings name no output folder: this folder beside each input. */
export const DEFAULT_OUTPUT_SUBFOLDER = 'upscaled';

/** Resolves a model id (null: the default model) to the id and scale to run with; throws MODEL_NOT_FOUND. */
export type ModelLookup = (id: string | null) => Promise<{ id: string; scale: number }>;

export type JobPlan =
  | { kind: 'run'; model: string; output: string; request: UpscaleRequest }
  | { kind: 'skip'; model: string; output: string };

export interface PlannedInput {
  input: string;
  inputFormat?: InputFormat | undefined;
}

export function outputFolder(input: string, settings: Pick<ItemSettings, 'outputDir'>): string {
  return settings.outputDir ?? path.join(path.dirname(input), DEFAULT_OUTPUT_SUBFOLDER);
}

export function outputFormat(settings: Pick<ItemSettings, 'format'>, inputFormat: InputFormat | undefined): OutputFormat {
  if (settings.format !== 'same') return settings.format;
  return inputFormat === undefined || inputFormat === 'gif' ? 'png' : inputFormat;
}

export async function planJob(item: PlannedInput, settings: ItemSettings, lookupModel: ModelLookup): Promise<JobPlan> {
  const model = await lookupModel(settings.model);
  const format = outputFormat(settings, item.inputFormat);
  // {scale} in the name is the scale the output has: the model's, or the factor asked for (a long edge keeps the model's).
  const scale = settings.outputSize.kind === 'scale' ? settings.outputSize.factor : model.scale;
  const wanted = resolveOutputPath(item.input, outputFolder(item.input, settings), { template: settings.nameTemplate, model: model.id, scale, format });
  let output = wanted;
  if (await exists(wanted)) {
    if (settings.overwrite === 'skip') return { kind: 'skip', model: model.id, output: wanted };
    if (settings.overwrite === 'rename') output = await freeName(wanted);
  }
  const request: UpscaleRequest = {
    input: item.input,
    output,
    model: model.id,
    provider: settings.provider,
    format,
    quality: settings.quality,
    metadata: settings.metadata,
    overwrite: settings.overwrite === 'overwrite',
    maxMegapixels: settings.maxMegapixels,
    size: settings.outputSize,
    ...(settings.tile === null ? {} : { tile: settings.tile }),
    ...(settings.overlap === null ? {} : { overlap: settings.overlap }),
  };
  return { kind: 'run', model: model.id, output, request };
}

/** Which file is at a path (null: none), to tell a file a run wrote from the one that was there before it. */
export type FileIdentity = { dev: number; ino: number; size: number; mtimeMs: number } | null;

export async function fileIdentity(file: string): Promise<FileIdentity> {
  const info = await fs.stat(file).catch(() => undefined);
  return info === undefined ? null : { dev: info.dev, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
}

/**
 * Whether `output` holds a file written since `before` was taken: it exists and is not the file that was there. The
 * engine only ever renames (or links) a complete file into place, so such a file is a whole output, written by the run
 * that recorded `before` (nothing else writes our output names).
 */
export async function wroteSince(output: string, before: FileIdentity): Promise<boolean> {
  const now = await fileIdentity(output);
  if (now === null) return false;
  return before === null || now.dev !== before.dev || now.ino !== before.ino || now.size !== before.size || now.mtimeMs !== before.mtimeMs;
}

/** `photo.png` -> the first of `photo (2).png`, `photo (3).png`, ... that does not exist. */
async function freeName(file: string): Promise<string> {
  const ext = path.extname(file);
  const stem = file.slice(0, file.length - ext.length);
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!(await exists(candidate))) return candidate;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
