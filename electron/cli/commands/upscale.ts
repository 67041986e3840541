// `tinysr upscale <files|folders...> -o <dir>`: every image through the engine process, one at a time, with progress,
// skip-existing, per-file failures that never stop the batch, and a summary naming each failure.
//
// May import: node:fs, node:path, core/engine (client), core/imageio (names, header probe), core/models, core/shared, ../*.
import fs from 'node:fs/promises';
import path from 'node:path';
import { EngineClient, formatDuration, resolveTiling, ThroughputEta } from '../../core/engine/index.js';
import { readImageInfo, resolveOutputPath, validateNameTemplate } from '../../core/imageio/index.js';
import { DEFAULT_MODEL_ID, findModel, listModels, resolveModelLocations, type InstalledModel } from '../../core/models/index.js';
import { AppError, toAppError } from '../../core/shared/errors.js';
import type { UpscaleCommand } from '../args.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { expandInputs, type InputFile } from '../inputs.js';
import type { CliIo } from '../io.js';
import { createProgress } from '../progress.js';

interface Failure {
  file: string;
  error: AppError;
}

async function chooseModel(id: string): Promise<InstalledModel> {
  const listing = await listModels(resolveModelLocations());
  try {
    return findModel(listing, id);
  } catch (err) {
    const error = toAppError(err);
    if (id === DEFAULT_MODEL_ID && error.code === 'MODEL_NOT_FOUND') {
      throw new AppError('MODEL_NOT_FOUND', `The bundled default model "${DEFAULT_MODEL_ID}" is not installed (native-models/${DEFAULT_MODEL_ID}); reinstall, or pass --model with one of: ${listing.models.map((m) => m.id).join(', ') || 'none'}.`);
    }
    throw error;
  }
}

/** The signals that interrupt a batch (exit code 130, as for Ctrl-C). */
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Header reads in flight at once: a folder of thousands of files must not exhaust file handles. */
const HEADER_READS_IN_FLIGHT = 8;

/** Input LR pixels per file, for the batch ETA; unknown when the header cannot be read (the engine will say why). */
async function pixelCounts(files: readonly InputFile[]): Promise<(number | undefined)[]> {
  const counts: (number | undefined)[] = [];
  for (let start = 0; start < files.length; start += HEADER_READS_IN_FLIGHT) {
    const chunk = files.slice(start, start + HEADER_READS_IN_FLIGHT);
    counts.push(
      ...(await Promise.all(
        chunk.map((f) =>
          readImageInfo(f.path).then(
            (info) => info.width * info.height,
            () => undefined,
          ),
        ),
      )),
    );
  }
  return counts;
}

export async function runUpscale(command: UpscaleCommand, io: CliIo): Promise<ExitCode> {
  const started = performance.now();
  if (command.nameTemplate !== undefined) {
    try {
      validateNameTemplate(command.nameTemplate);
    } catch (err) {
      io.stderr.write(`tinysr upscale: ${toAppError(err).message}\n`);
      return EXIT.usage;
    }
  }
  let model: InstalledModel;
  try {
    model = await chooseModel(command.model ?? DEFAULT_MODEL_ID);
  } catch (err) {
    const error = toAppError(err);
    io.stderr.write(`tinysr upscale: ${error.code}: ${error.message}\n`);
    return EXIT.fatal;
  }
  try {
    resolveTiling(model.manifest, command);
  } catch (err) {
    io.stderr.write(`tinysr upscale: ${toAppError(err).message}\n`);
    return EXIT.usage;
  }
  if (model.untrained) io.stderr.write(`warning: ${model.label}\n`);

  const { files, missing } = await expandInputs(command.inputs, { recursive: command.recursive, outputDir: command.outputDir });
  const failures: Failure[] = missing.map((file) => ({ file, error: new AppError('INPUT_NOT_FOUND', `${file} does not exist.`, { path: file }) }));
  let done = 0;
  let skipped = 0;
  const progress = createProgress(io.stderr);
  for (const failure of failures) progress.fileFailed(failure.file, failure.error);
  if (files.length === 0 && failures.length === 0) {
    io.stderr.write(`tinysr upscale: no images found in ${command.inputs.join(', ')}${command.recursive ? '' : ' (use --recursive for subfolders)'}.\n`);
    return EXIT.someFailed;
  }

  const client = new EngineClient({ config: { threads: command.threads } });
  const cancel = new AbortController();
  const onInterrupt = (): void => cancel.abort();
  // A service manager's SIGTERM and a closed terminal's SIGHUP stop the batch as Ctrl-C does: the running file is
  // cancelled in the engine (its temp file removed), the rest are not started. Unhandled, they killed the CLI outright.
  for (const signal of INTERRUPTS) process.on(signal, onInterrupt);
  const pixels = await pixelCounts(files);
  const batchEta = new ThroughputEta(0.5);
  const outputsTaken = new Map<string, string>();
  try {
    for (const [i, file] of files.entries()) {
      if (cancel.signal.aborted) {
        failures.push({ file: file.path, error: new AppError('CANCELLED', 'Not started: the batch was interrupted.', { path: file.path }) });
        continue;
      }
      const output = resolveOutputPath(file.path, path.join(command.outputDir, file.relativeDir), {
        template: command.nameTemplate,
        model: model.id,
        scale: model.manifest.scale,
        format: command.format,
      });
      const clash = outputsTaken.get(path.resolve(output));
      if (clash !== undefined) {
        // {ext} is the output's extension, the same for both: only the inputs' names or folders can tell them apart.
        const error = new AppError('OUTPUT_EXISTS', `${file.path} would be written to ${output}, the same file as ${clash} (their names differ only in the extension); rename one of them, or upscale them into different output folders.`, {
          path: output,
        });
        failures.push({ file: file.path, error });
        progress.fileFailed(file.path, error);
        continue;
      }
      outputsTaken.set(path.resolve(output), file.path);
      if (command.existing === 'skip' && (await fs.access(output).then(() => true, () => false))) {
        skipped++;
        progress.fileSkipped(file.path, output);
        continue;
      }
      const remainingPixels = pixels.slice(i + 1).reduce<number>((sum, p) => sum + (p ?? pixels[i] ?? 0), 0);
      const currentPixels = pixels[i] ?? 0;
      progress.fileStarted(i + 1, files.length, file.path);
      const fileStarted = performance.now();
      try {
        const result = await client.upscale(
          {
            input: file.path,
            output,
            model: model.id,
            provider: command.provider,
            format: command.format,
            quality: command.quality,
            tile: command.tile,
            overlap: command.overlap,
            metadata: command.metadata,
            overwrite: command.existing === 'overwrite',
            maxMegapixels: command.maxMegapixels,
          },
          {
            signal: cancel.signal,
            onEvent: (event) => {
              let batchEtaMs: number | null = null;
              if (event.type === 'progress' && event.etaMs !== null) {
                const elapsed = performance.now() - fileStarted;
                const rate = batchEta.msPerUnit ?? (currentPixels > 0 ? (elapsed + event.etaMs) / currentPixels : undefined);
                batchEtaMs = rate === undefined ? null : event.etaMs + rate * remainingPixels;
              }
              progress.event(event, batchEtaMs);
            },
          },
        );
        batchEta.record(currentPixels, result.wallMs);
        done++;
        progress.fileDone(result);
      } catch (err) {
        const error = toAppError(err, 'INTERNAL', file.path);
        failures.push({ file: file.path, error });
        progress.fileFailed(file.path, error);
      }
    }
  } finally {
    for (const signal of INTERRUPTS) process.removeListener(signal, onInterrupt);
    progress.close();
    await client.close();
  }

  const seconds = formatDuration(performance.now() - started);
  io.stdout.write(`${done} upscaled, ${skipped} skipped, ${failures.length} failed (${seconds}) with ${model.id}.\n`);
  if (failures.length > 0) {
    io.stdout.write('Failed:\n');
    for (const { file, error } of failures) io.stdout.write(`  ${file}: ${error.code}: ${error.message}\n`);
  }
  if (cancel.signal.aborted) return EXIT.interrupted;
  return failures.length === 0 ? EXIT.ok : EXIT.someFailed;
}
