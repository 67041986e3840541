// The engine: upscales image files with ONNX models, in whatever process hosts it (the engine worker in practice; see
// engine-client.ts for the API callers use). One Engine owns the models listing and the session cache.
//
// One image: find the model -> sweep the output folder of orphaned temps, check the output can be written -> decode (imageio) -> plan tiles (tiling) -> batches
// of tiles through session.run with provider fallback and out-of-memory recovery (tile-loop) -> stitch band by band
// into the output buffer (tiling) -> colour fix per manifest (tiling) -> alpha (imageio) -> atomic encode (imageio).
// Memory: the output buffer (3 samples per output pixel) plus the stitcher's band of float rows, one batch of tiles
// and the decoded LR input; no full-size float copy ever exists. A failed job removes the output folders it created.
//
// May import: onnxruntime-node (via ./session-cache, ./providers), core/tiling, core/imageio, core/models, core/shared,
// ./image-requests, ./fault-points.
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import {
  assertOutputWritable,
  decodeImage,
  DEFAULT_PIXEL_LIMITS,
  encodeImage,
  sweepOrphanedIccFolders,
  sweepOrphanedTemps,
  resizePixels,
  type CreatedFolders,
  type OutputFormat as ImageOutputFormat,
  type PixelBuffer,
} from '../imageio/index.js';
import {
  FileDigestCache,
  findModel,
  listModels,
  packageRoot,
  resolveModelLocations,
  type InstalledModel,
  type ModelListing,
  type Precision,
} from '../models/index.js';
import {
  EngineConfigSchema,
  DisplayRequestSchema,
  InspectModelRequestSchema,
  InspectRequestSchema,
  PreviewRequestSchema,
  ProbeRequestSchema,
  UpscaleRequestSchema,
  type EngineConfig,
  type DisplayRequest,
  type DisplayResult,
  type InspectModelRequest,
  type ModelInspection,
  type InspectRequest,
  type InspectResult,
  type PreviewRequest,
  type PreviewResult,
  type ResolvedEngineConfig,
  type EngineEvent,
  type OutputFormat,
  type ProbeReport,
  type ProbeRequest,
  type ProviderName,
  type ResolvedUpscaleRequest,
  type UpscaleRequest,
  type UpscaleResult,
} from '../shared/engine-protocol.js';
import { describeIssues } from '../shared/describe-issues.js';
import { AppError } from '../shared/errors.js';
import type { Manifest } from '../shared/manifest.js';
import type { PauseController } from '../shared/pause.js';
import {
  applyColorFix,
  BandStitcher,
  ChannelStatsAccumulator,
  extractBatch,
  planTiles,
  type Raster,
  type TilePlan,
  type TileSpec,
} from '../tiling/index.js';
import { ThroughputEta } from './eta.js';
import { faultPoint } from './fault-points.js';
import { inspectImages, renderDisplayCopy, renderRegionPreview } from './image-requests.js';
import { inspectModelFile } from './model-inspection.js';
import { outputDimensions } from './output-size.js';
import { probeProviders, providerOrder } from './providers.js';
import { SessionCache } from './session-cache.js';
import { runTileLoop, throwIfCancelled, type TilePass, type TileRunner } from './tile-loop.js';
import { resolveTiling } from './tile-rule.js';

// Compile-time check: the request's format names and imageio's must stay the same list.
type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _formatsMatch: SameUnion<OutputFormat, ImageOutputFormat> = true;

export interface JobContext {
  signal?: AbortSignal | undefined;
  /** Pauses the job between tiles (upscale only). */
  pause?: PauseController | undefined;
  onEvent?: ((event: EngineEvent) => void) | undefined;
}

/** Tiles per run when the model has a dynamic batch axis and the caller does not choose. */
export const DEFAULT_BATCH = 4;

const FORMAT_BY_EXTENSION: Record<string, OutputFormat> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.avif': 'avif',
};

function outputFormat(request: ResolvedUpscaleRequest): OutputFormat {
  if (request.format) return request.format;
  const format = FORMAT_BY_EXTENSION[path.extname(request.output).toLowerCase()];
  if (!format) {
    throw new AppError('INVALID_ARGUMENT', `Cannot tell the output format of ${request.output} from its extension; name it .png, .jpg, .webp, .tif or .avif, or pass a format.`, {
      path: request.output,
    });
  }
  return format;
}

function tileSpec(manifest: Manifest, tile: number): TileSpec {
  const rule = manifest.tile;
  return rule.mode === 'fixed' ? { mode: 'fixed', size: rule.size } : { mode: 'free', size: tile, multipleOf: rule.multipleOf, min: rule.min };
}

/** The blend margin: the receptive field when the overlap leaves room for it, else the tiling default. */
function blendMargin(manifest: Manifest, overlap: number): number | undefined {
  const field = manifest.receptiveField;
  return field !== undefined && 2 * field < overlap ? field : undefined;
}

function readSoftwareName(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
    return `TinySR Studio ${pkg.version ?? ''}`.trim();
  } catch {
    return 'TinySR Studio';
  }
}

/** Wraps a session as a TileRunner that checks output shapes and adds its run() time to `timing.runMs`. */
function sessionRunner(session: ort.InferenceSession, manifest: Manifest, timing: { runMs: number }): TileRunner {
  const { input: inputName, output: outputName } = manifest.io;
  const scale = manifest.scale;
  return {
    async run(input, count, height, width) {
      const feeds = { [inputName]: new ort.Tensor('float32', input, [count, 3, height, width]) };
      const started = performance.now();
      const outputs = await session.run(feeds);
      timing.runMs += performance.now() - started;
      const output = outputs[outputName];
      const expected = [count, 3, height * scale, width * scale];
      if (!output || output.type !== 'float32' || output.dims.some((d, i) => d !== expected[i])) {
        throw new AppError(
          'INFERENCE_FAILED',
          `Model "${manifest.id}" returned ${output ? `${output.type} [${output.dims.join(', ')}]` : `no "${outputName}" output`}, expected float32 [${expected.join(', ')}]; check the manifest's scale and io names.`,
        );
      }
      return output.data as Float32Array;
    },
  };
}

export class Engine {
  private readonly config: ResolvedEngineConfig;
  private readonly sessions: SessionCache;
  private readonly digests: FileDigestCache;
  private listing: Promise<ModelListing> | undefined;
  private readonly software = readSoftwareName();
  /** Output folders swept of orphaned temp files by this engine, and the one sweep of orphaned profile folders. */
  private readonly swept = new Set<string>();
  private iccSweep: Promise<unknown> | undefined;
  /** Providers whose session creation failed, with the error: not retried for every image. */
  private readonly unavailable = new Map<ProviderName, AppError>();

  constructor(config: EngineConfig = {}) {
    this.config = EngineConfigSchema.parse(config);
    this.sessions = new SessionCache(this.config.threads);
    this.digests = new FileDigestCache(this.locations().digestCacheFile);
  }

  private locations() {
    const m = this.config.models;
    return resolveModelLocations({
      ...(m.bundledDir !== undefined ? { bundledDir: m.bundledDir } : {}),
      ...(m.userDir !== undefined ? { userDir: m.userDir ?? undefined } : {}),
      ...(m.digestCacheFile !== undefined ? { digestCacheFile: m.digestCacheFile ?? undefined } : {}),
    });
  }

  /** The installed models (listed once; `refresh` re-reads the folders). */
  models(refresh = false): Promise<ModelListing> {
    if (refresh || !this.listing) {
      this.listing = listModels(this.locations(), this.digests);
      this.listing.catch(() => (this.listing = undefined));
    }
    return this.listing;
  }

  /** The model `id`, re-reading the folders once if it is not known (a model added since the last listing). */
  async model(id: string): Promise<InstalledModel> {
    try {
      return findModel(await this.models(), id);
    } catch {
      return findModel(await this.models(true), id);
    }
  }

  async probe(request: ProbeRequest = {}): Promise<ProbeReport> {
    const { model: id } = ProbeRequestSchema.parse(request);
    let model: InstalledModel | undefined;
    if (id !== undefined) model = await this.model(id);
    else model = [...(await this.models()).models].sort((a, b) => a.manifest.files.fp32.bytes - b.manifest.files.fp32.bytes)[0];
    if (!model) throw new AppError('MODEL_NOT_FOUND', 'No valid model is installed to probe providers with; run `tinysr models` to see why.');
    return probeProviders(model, this.config.threads);
  }

  /** Header probes of image files (format, oriented size) or why each cannot be read; see image-requests.ts. */
  inspect(request: InspectRequest, context: JobContext = {}): Promise<InspectResult> {
    return inspectImages(InspectRequestSchema.parse(request), context.signal);
  }

  /** What an ONNX file the user adds takes and gives, found by running it on the CPU; see model-inspection.ts. */
  inspectModel(request: InspectModelRequest): Promise<ModelInspection> {
    return inspectModelFile(InspectModelRequestSchema.parse(request).file, this.config.threads);
  }

  /** A PNG copy of an image the browser cannot show (TIFF); see image-requests.ts. */
  display(request: DisplayRequest, context: JobContext = {}): Promise<DisplayResult> {
    return renderDisplayCopy(DisplayRequestSchema.parse(request), context.signal);
  }

  /** A region preview (model and bicubic x`scale` PNGs in the request's folder), through this engine's upscale. */
  preview(request: PreviewRequest, context: JobContext = {}): Promise<PreviewResult> {
    return renderRegionPreview(PreviewRequestSchema.parse(request), { signal: context.signal, upscale: (upscale) => this.upscale(upscale, context) });
  }

  async upscale(request: UpscaleRequest, context: JobContext = {}): Promise<UpscaleResult> {
    const job: { created?: CreatedFolders } = {};
    try {
      return await this.render(request, context, job);
    } catch (error) {
      // A failed job leaves no empty output folders behind: the ones it created, never one that existed before.
      await job.created?.removeIfEmpty();
      throw error;
    }
  }

  /**
   * Before the first write into `folder`: the temp files there (and the colour profiles in the system temp folder)
   * that an engine killed outright left behind are removed. Once per folder per engine.
   */
  private async sweepBeforeWriting(folder: string): Promise<void> {
    this.iccSweep ??= sweepOrphanedIccFolders().catch(() => []);
    await this.iccSweep;
    if (this.swept.has(folder)) return;
    this.swept.add(folder);
    await sweepOrphanedTemps(folder);
  }

  private async render(rawRequest: UpscaleRequest, context: JobContext, job: { created?: CreatedFolders }): Promise<UpscaleResult> {
    const started = performance.now();
    const { signal } = context;
    const emit = (event: EngineEvent): void => context.onEvent?.(event);
    const parsed = UpscaleRequestSchema.safeParse(rawRequest);
    if (!parsed.success) {
      throw new AppError('INVALID_ARGUMENT', `Invalid upscale request: ${describeIssues(parsed.error.issues, 'the request').join('; ')}.`, { details: { argument: 'request' } });
    }
    const request = parsed.data;
    const format = outputFormat(request);
    emit({ type: 'stage', stage: 'loading-model' });
    const model = await this.model(request.model);
    const { manifest } = model;
    const scale = manifest.scale;
    const { tile, overlap } = resolveTiling(manifest, request);
    const batch = manifest.io.dynamicBatch ? (request.batch ?? DEFAULT_BATCH) : 1;
    await this.sweepBeforeWriting(path.dirname(path.resolve(request.output)));
    job.created = await assertOutputWritable(request.output, { overwrite: request.overwrite });

    await faultPoint('decode', request.output, signal);
    throwIfCancelled(signal);
    emit({ type: 'stage', stage: 'decoding' });
    const asked = request.maxMegapixels === undefined ? undefined : Math.round(request.maxMegapixels * 1e6);
    const image = await decodeImage(request.input, {
      maxInputPixels: asked ?? this.config.maxInputPixels ?? DEFAULT_PIXEL_LIMITS.maxInputPixels,
      maxOutputPixels: asked === undefined ? (this.config.maxOutputPixels ?? DEFAULT_PIXEL_LIMITS.maxOutputPixels) : asked * scale * scale,
      scale,
      signal,
    });
    const maxValue = image.bitDepth === 16 ? 65535 : 255;
    const lr: Raster = { data: image.rgb, width: image.width, height: image.height, channels: 3, maxValue };
    const outWidth = image.width * scale;
    const outHeight = image.height * scale;
    let outputData: PixelBuffer;
    try {
      outputData = image.bitDepth === 16 ? new Uint16Array(outWidth * outHeight * 3) : new Uint8Array(outWidth * outHeight * 3);
    } catch (err) {
      throw new AppError('OUT_OF_MEMORY', `Not enough memory for the ${outWidth} x ${outHeight} output of ${request.input}.`, { path: request.input, cause: err });
    }
    const output: Raster = { data: outputData, width: outWidth, height: outHeight, channels: 3, maxValue };

    emit({ type: 'stage', stage: 'upscaling' });
    const timing = { runMs: 0 };
    const eta = new ThroughputEta();
    const providers = providerOrder(request.provider);
    const loopStarted = performance.now();
    let pass: ImagePass | undefined;
    await faultPoint('inference', request.output, signal);
    const result = await runTileLoop({
      initial: { provider: providers[0] ?? 'cpu', batch, tile },
      fallbacks: providers.slice(1),
      tileRule: manifest.tile,
      overlap,
      signal,
      pause: context.pause,
      onHold: (paused, done, tiles) => emit({ type: 'hold', paused, tile: done, tiles }),
      runnerFor: (provider) => this.runnerFor(model, provider, request.precision, timing),
      releaseProvider: (provider) => this.sessions.evictProvider(provider),
      beginPass: (side) => {
        const plan = planTiles({ width: lr.width, height: lr.height, scale, tile: tileSpec(manifest, side), overlap, margin: blendMargin(manifest, overlap) });
        pass = new ImagePass(plan, lr, output, batch, manifest.colorFix === 'adain');
        return pass;
      },
      onNotice: emit,
      onTile: (done, tiles, ms, tileArea) => {
        eta.record(tileArea, ms);
        emit({ type: 'progress', tile: done, tiles, ms, elapsedMs: performance.now() - loopStarted, etaMs: eta.estimateMs((tiles - done) * tileArea) });
      },
    });

    throwIfCancelled(signal);
    const outputStats = pass?.outputStats?.result();
    applyColorFix(manifest.colorFix, output, lr, outputStats ? { outputStats } : {});
    // The size asked for (x2, x3, a long edge) is the model's output resized; alpha goes straight to that size.
    const final = outputDimensions(request.size, image, scale);
    const outputLimit = asked === undefined ? (this.config.maxOutputPixels ?? DEFAULT_PIXEL_LIMITS.maxOutputPixels) : asked * scale * scale;
    if (final.width * final.height > outputLimit) {
      throw new AppError('INPUT_TOO_LARGE', `A ${final.width} x ${final.height} output of ${request.input} is over the ${Math.round(outputLimit / 1e6)} MP output limit; ask for a smaller size.`, {
        path: request.input,
        details: { outputWidth: final.width, outputHeight: final.height, maxOutputPixels: outputLimit },
      });
    }
    const resized = final.width !== outWidth || final.height !== outHeight;
    const rgb = resized ? await resizePixels(outputData, output, 3, final, image.bitDepth) : outputData;
    const alpha = image.alpha ? await resizePixels(image.alpha, image, 1, final, image.bitDepth) : undefined;
    throwIfCancelled(signal);
    emit({ type: 'stage', stage: 'encoding' });
    await encodeImage(
      { rgb, alpha, width: final.width, height: final.height, bitDepth: image.bitDepth },
      {
        path: request.output,
        format,
        quality: request.quality,
        metadata: request.metadata,
        colorProfile: 'source',
        provenance: { software: this.software, model: manifest.id, scale },
        overwrite: request.overwrite,
        source: image.source,
        signal,
        beforeCommit: () => faultPoint('encode', request.output, signal),
      },
    );
    await faultPoint('renamed', request.output, signal);
    return {
      input: request.input,
      output: request.output,
      model: manifest.id,
      inputSize: { width: image.width, height: image.height },
      outputSize: final,
      provider: result.plan.provider,
      precision: request.precision,
      tile: result.plan.tile,
      batch: result.plan.batch,
      tiles: result.tiles,
      wallMs: performance.now() - started,
      runMs: timing.runMs,
    };
  }

  private async runnerFor(model: InstalledModel, provider: ProviderName, precision: Precision, timing: { runMs: number }): Promise<TileRunner> {
    const known = this.unavailable.get(provider);
    if (known) throw known;
    try {
      return sessionRunner(await this.sessions.get(model, provider, precision), model.manifest, timing);
    } catch (err) {
      if (err instanceof AppError && err.code === 'PROVIDER_UNAVAILABLE') this.unavailable.set(provider, err);
      throw err;
    }
  }

  /** Releases every onnxruntime session. */
  async dispose(): Promise<void> {
    await this.sessions.releaseAll();
  }
}

/**
 * A pass over `lr` with one tile plan: batches extracted into one reused buffer, outputs stitched band by band into
 * `output`, and the output's channel statistics gathered as rows finish (for AdaIN, without another full pass).
 */
class ImagePass implements TilePass {
  readonly tiles: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  /** Channel statistics of the finished output rows, gathered only when the colour fix needs them (AdaIN). */
  readonly outputStats: ChannelStatsAccumulator | undefined;
  private readonly stitcher: BandStitcher;
  private readonly inputBuffer: Float32Array;

  constructor(
    private readonly plan: TilePlan,
    private readonly lr: Raster,
    private readonly output: Raster,
    batch: number,
    gatherStats: boolean,
  ) {
    this.outputStats = gatherStats ? new ChannelStatsAccumulator() : undefined;
    this.tiles = plan.tiles.length;
    this.tileWidth = plan.tileWidth;
    this.tileHeight = plan.tileHeight;
    this.stitcher = new BandStitcher(plan, output);
    this.inputBuffer = new Float32Array(plan.inputTileLength * Math.min(batch, plan.tiles.length));
  }

  input(first: number, count: number): Float32Array {
    return extractBatch(this.lr, this.plan.tiles.slice(first, first + count), this.inputBuffer);
  }

  accept(first: number, count: number, data: Float32Array): void {
    const length = this.plan.outputTileLength;
    for (let i = 0; i < count; i++) {
      const tile = this.plan.tiles[first + i];
      if (!tile) continue;
      const rows = this.stitcher.add(tile, data.subarray(i * length, (i + 1) * length));
      this.outputStats?.addRows(this.output, rows.from, rows.to);
    }
  }
}
