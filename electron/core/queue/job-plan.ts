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
  const wanted = resolveOutputPath(item.input, outputFolder(item.input, settings), { template: settings.nameTemplate, model: model.id, scale: model.scale, format });
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
    ...(settings.tile === null ? {} : { tile: settings.tile }),
    ...(settings.overlap === null ? {} : { overlap: settings.overlap }),
  };
  return { kind: 'run', model: model.id, output, request };
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
