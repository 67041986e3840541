// The engine's contract: what a caller may ask the engine process, the events it streams back, and the messages on
// the wire between the engine client and its worker. Worker messages are a trust boundary (another process, possibly
// another build), so both sides validate them with these schemas and use the inferred types.
//
// May import: zod, ./errors.
import { z } from 'zod';
import { ERROR_CODES } from './errors.js';

// ---- providers and precision --------------------------------------------------------------------------------------

/** Execution providers the engine knows, named as onnxruntime-node names them. */
export const ProviderNameSchema = z.enum(['cuda', 'dml', 'coreml', 'webgpu', 'cpu']);
export type ProviderName = z.infer<typeof ProviderNameSchema>;

/** `auto` tries cuda -> dml -> coreml -> cpu and takes the first that works. */
export const ProviderChoiceSchema = z.union([z.literal('auto'), ProviderNameSchema]);
export type ProviderChoice = z.infer<typeof ProviderChoiceSchema>;

export const PrecisionSchema = z.enum(['fp32', 'fp16']);

export const OutputFormatSchema = z.enum(['png', 'jpeg', 'webp', 'tiff', 'avif']);
export type OutputFormat = z.infer<typeof OutputFormatSchema>;

/** The formats imageio decodes (core/imageio INPUT_FORMATS; the engine checks at compile time that they agree). */
export const InputFormatSchema = z.enum(['jpeg', 'png', 'webp', 'tiff', 'avif', 'gif']);
export type InputFormat = z.infer<typeof InputFormatSchema>;

export const AppErrorDataSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  path: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

// ---- requests -----------------------------------------------------------------------------------------------------

/** The most an input limit may be raised to, in megapixels: past it, the output alone would not fit in memory. */
export const MAX_MEGAPIXELS = 10_000;

/**
 * The output's size: the model's own scale (`model`), a scale the model's output is resized to (`scale`: 2, 3 or 4
 * times the input; a x4 model's result made x2 is sharper than a x2 model's), or a long edge in pixels (`long-edge`,
 * the other side in proportion). Resizing after the model uses Lanczos.
 */
export const OutputSizeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('model') }).strict(),
  z.object({ kind: z.literal('scale'), factor: z.union([z.literal(2), z.literal(3), z.literal(4)]) }).strict(),
  z.object({ kind: z.literal('long-edge'), pixels: z.number().int().min(16).max(65_535) }).strict(),
]);
export type OutputSize = z.infer<typeof OutputSizeSchema>;

export const UpscaleRequestSchema = z
  .object({
    /** Image file to read. */
    input: z.string().min(1),
    /** Exact output file path; the caller renders name templates and decides skip-existing before asking. */
    output: z.string().min(1),
    /** Model id from the models listing. */
    model: z.string().min(1),
    provider: ProviderChoiceSchema.default('auto'),
    precision: PrecisionSchema.default('fp32'),
    /** LR tile side; defaults to the manifest's (fixed-size models accept only their own size). */
    tile: z.number().int().positive().optional(),
    /** LR overlap between tiles; defaults to the manifest's recommendation. */
    overlap: z.number().int().min(0).optional(),
    /** Tiles per session.run; defaults to 4 for models with a dynamic batch axis, else 1. */
    batch: z.number().int().positive().optional(),
    /** Output format; defaults to the output file's extension. */
    format: OutputFormatSchema.optional(),
    quality: z.number().int().min(1).max(100).optional(),
    metadata: z.enum(['keep', 'strip']).default('keep'),
    overwrite: z.boolean().default(false),
    /**
     * Largest input accepted, in megapixels (the decompression-bomb guard); the output limit grows with it by the
     * model's scale squared. Defaults to the engine's limits (100 MP in, 400 MP out).
     */
    maxMegapixels: z.number().positive().max(MAX_MEGAPIXELS).optional(),
    /** The output's size; default the model's scale. */
    size: OutputSizeSchema.default({ kind: 'model' }),
  })
  .strict();
export type UpscaleRequest = z.input<typeof UpscaleRequestSchema>;
export type ResolvedUpscaleRequest = z.output<typeof UpscaleRequestSchema>;

export const ProbeRequestSchema = z
  .object({
    /** Model to create the probe sessions with; defaults to the smallest installed model. */
    model: z.string().min(1).optional(),
  })
  .strict();
export type ProbeRequest = z.infer<typeof ProbeRequestSchema>;

/** Header probes (no pixels decoded) of image files, for callers that must not load the image decoder themselves. */
export const InspectRequestSchema = z.object({ paths: z.array(z.string().min(1)) }).strict();
export type InspectRequest = z.infer<typeof InspectRequestSchema>;

/** A rectangle in input pixels (orientation applied). */
export const PixelRectSchema = z
  .object({ x: z.number().int().min(0), y: z.number().int().min(0), width: z.number().int().positive(), height: z.number().int().positive() })
  .strict();
export type PixelRect = z.infer<typeof PixelRectSchema>;

/**
 * A region preview: the model's upscale of `rect` of the input (run with some context around it, then cut back) and a
 * bicubic upscale of the same region, written as PNG files into `dir`, a folder the caller owns (creates, serves and
 * deletes). The rect is clipped to the image; one that starts outside it is INVALID_ARGUMENT.
 */
export const PreviewRequestSchema = z
  .object({
    input: z.string().min(1),
    rect: PixelRectSchema,
    model: z.string().min(1),
    provider: ProviderChoiceSchema.default('auto'),
    precision: PrecisionSchema.default('fp32'),
    tile: z.number().int().positive().optional(),
    overlap: z.number().int().min(0).optional(),
    dir: z.string().min(1),
  })
  .strict();
export type PreviewRequest = z.input<typeof PreviewRequestSchema>;

/** An ONNX file to try as an upscaler (a model the user adds): what it takes and gives, found by running it. */
export const InspectModelRequestSchema = z.object({ file: z.string().min(1) }).strict();
export type InspectModelRequest = z.infer<typeof InspectModelRequestSchema>;

export const ModelInspectionSchema = z
  .object({
    input: z.string(),
    output: z.string(),
    scale: z.number().int().min(1).max(8),
    dynamicBatch: z.boolean(),
    /** `fixed`: the graph takes only this side; `free`: any side that is a multiple of `multipleOf`. */
    tile: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('fixed'), size: z.number().int().positive() }).strict(),
      z.object({ mode: z.literal('free'), multipleOf: z.number().int().positive() }).strict(),
    ]),
  })
  .strict();
export type ModelInspection = z.infer<typeof ModelInspectionSchema>;

/** A copy of an image a browser cannot show (TIFF): oriented, 8-bit sRGB PNG at `output` (replaced if there). */
export const DisplayRequestSchema = z.object({ input: z.string().min(1), output: z.string().min(1) }).strict();
export type DisplayRequest = z.infer<typeof DisplayRequestSchema>;
export type ResolvedPreviewRequest = z.output<typeof PreviewRequestSchema>;

// ---- results ------------------------------------------------------------------------------------------------------

const SizeSchema = z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).strict();

export const UpscaleResultSchema = z
  .object({
    input: z.string(),
    output: z.string(),
    model: z.string(),
    inputSize: SizeSchema,
    outputSize: SizeSchema,
    /** The provider, tile and batch that finished the job (after any out-of-memory recovery). */
    provider: ProviderNameSchema,
    precision: PrecisionSchema,
    tile: z.number().int().positive(),
    batch: z.number().int().positive(),
    tiles: z.number().int().min(0),
    /** Wall time of the whole job, decode to rename. */
    wallMs: z.number().min(0),
    /** Sum of the model's own session.run() time: the part the engine cannot make faster. */
    runMs: z.number().min(0),
  })
  .strict();
export type UpscaleResult = z.infer<typeof UpscaleResultSchema>;

export const ProviderProbeSchema = z
  .object({
    name: ProviderNameSchema,
    ok: z.boolean(),
    /** Why the provider does not work here, in onnxruntime's words; absent when ok. */
    reason: z.string().optional(),
    /** Session creation plus one run, when ok. */
    ms: z.number().min(0).optional(),
  })
  .strict();
export type ProviderProbe = z.infer<typeof ProviderProbeSchema>;

export const ProbeReportSchema = z
  .object({
    model: z.string(),
    providers: z.array(ProviderProbeSchema),
    /** The provider `auto` would use. */
    auto: ProviderNameSchema,
  })
  .strict();
export type ProbeReport = z.infer<typeof ProbeReportSchema>;

/** One inspected path: its format and display size (orientation applied), or why it cannot be read. */
export const InspectedImageSchema = z.discriminatedUnion('ok', [
  z.object({ path: z.string(), ok: z.literal(true), format: InputFormatSchema, width: z.number().int().positive(), height: z.number().int().positive() }).strict(),
  z.object({ path: z.string(), ok: z.literal(false), error: AppErrorDataSchema }).strict(),
]);
export type InspectedImage = z.infer<typeof InspectedImageSchema>;

/** One entry per requested path, in the request's order. */
export const InspectResultSchema = z.object({ images: z.array(InspectedImageSchema) }).strict();
export type InspectResult = z.infer<typeof InspectResultSchema>;

export const PreviewResultSchema = z
  .object({
    /** The region actually rendered (the request's, clipped to the image). */
    rect: PixelRectSchema,
    scale: z.number().int().positive(),
    /** PNG files in the request's `dir`, both `size` large. */
    upscaled: z.string(),
    bicubic: z.string(),
    size: SizeSchema,
    provider: ProviderNameSchema,
    wallMs: z.number().min(0),
  })
  .strict();
export type PreviewResult = z.infer<typeof PreviewResultSchema>;

export const DisplayResultSchema = z
  .object({ output: z.string(), width: z.number().int().positive(), height: z.number().int().positive() })
  .strict();
export type DisplayResult = z.infer<typeof DisplayResultSchema>;

// ---- events -------------------------------------------------------------------------------------------------------

export const ProgressEventSchema = z
  .object({
    type: z.literal('progress'),
    /** Tiles finished so far (1-based count) out of `tiles`. */
    tile: z.number().int().min(0),
    tiles: z.number().int().min(0),
    /** Milliseconds this tile took (a batch's time shared evenly between its tiles). */
    ms: z.number().min(0),
    elapsedMs: z.number().min(0),
    /** Estimated ms left for this image from the measured throughput; null until measured. */
    etaMs: z.number().min(0).nullable(),
  })
  .strict();
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;

export const StageEventSchema = z
  .object({ type: z.literal('stage'), stage: z.enum(['loading-model', 'decoding', 'upscaling', 'encoding']) })
  .strict();
export type StageEvent = z.infer<typeof StageEventSchema>;

/** Something the user should see: a provider fallback or an out-of-memory recovery step. */
export const NoticeEventSchema = z
  .object({
    type: z.literal('notice'),
    code: z.enum(['provider-fallback', 'oom-smaller-batch', 'oom-smaller-tile', 'oom-next-provider']),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type NoticeEvent = z.infer<typeof NoticeEventSchema>;

/** The job stopped between tiles because it was paused (`paused` true), or went on after a resume (false). */
export const HoldEventSchema = z
  .object({ type: z.literal('hold'), paused: z.boolean(), tile: z.number().int().min(0), tiles: z.number().int().min(0) })
  .strict();
export type HoldEvent = z.infer<typeof HoldEventSchema>;

export const EngineEventSchema = z.discriminatedUnion('type', [ProgressEventSchema, StageEventSchema, NoticeEventSchema, HoldEventSchema]);
export type EngineEvent = z.infer<typeof EngineEventSchema>;

// ---- wire messages ------------------------------------------------------------------------------------------------

export const EngineConfigSchema = z
  .object({
    /**
     * Model folders; unset fields take resolveModelLocations' defaults. null: no user folder / digests kept in memory
     * only (tests and benchmarks, which must not write to the user's data folder).
     */
    models: z
      .object({ bundledDir: z.string().optional(), userDir: z.string().nullable().optional(), digestCacheFile: z.string().nullable().optional() })
      .strict()
      .default({}),
    /** onnxruntime intra-op threads; 0 lets onnxruntime decide. */
    threads: z.number().int().min(0).default(0),
    /** Decompression-bomb guards (pixels); unset takes imageio's defaults (100 MP in, 400 MP out). */
    maxInputPixels: z.number().int().positive().optional(),
    maxOutputPixels: z.number().int().positive().optional(),
  })
  .strict();
export type EngineConfig = z.input<typeof EngineConfigSchema>;
export type ResolvedEngineConfig = z.output<typeof EngineConfigSchema>;

const RequestId = z.string().min(1);

export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), config: EngineConfigSchema }).strict(),
  z
    .object({
      type: z.literal('request'),
      id: RequestId,
      call: z.discriminatedUnion('method', [
        z.object({ method: z.literal('upscale'), params: UpscaleRequestSchema }).strict(),
        z.object({ method: z.literal('probe'), params: ProbeRequestSchema }).strict(),
        z.object({ method: z.literal('inspect'), params: InspectRequestSchema }).strict(),
        z.object({ method: z.literal('preview'), params: PreviewRequestSchema }).strict(),
        z.object({ method: z.literal('display'), params: DisplayRequestSchema }).strict(),
        z.object({ method: z.literal('inspect-model'), params: InspectModelRequestSchema }).strict(),
      ]),
    })
    .strict(),
  z.object({ type: z.literal('cancel'), id: RequestId }).strict(),
  /** Pause (true) or resume (false) the job at its next tile boundary; see core/shared/pause.ts. */
  z.object({ type: z.literal('hold'), id: RequestId, paused: z.boolean() }).strict(),
]);
export type ClientMessage = z.input<typeof ClientMessageSchema>;
export type ParsedClientMessage = z.output<typeof ClientMessageSchema>;

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }).strict(),
  z.object({ type: z.literal('event'), id: RequestId, event: EngineEventSchema }).strict(),
  z
    .object({
      type: z.literal('result'),
      id: RequestId,
      result: z.discriminatedUnion('method', [
        z.object({ method: z.literal('upscale'), value: UpscaleResultSchema }).strict(),
        z.object({ method: z.literal('probe'), value: ProbeReportSchema }).strict(),
        z.object({ method: z.literal('inspect'), value: InspectResultSchema }).strict(),
        z.object({ method: z.literal('preview'), value: PreviewResultSchema }).strict(),
        z.object({ method: z.literal('display'), value: DisplayResultSchema }).strict(),
        z.object({ method: z.literal('inspect-model'), value: ModelInspectionSchema }).strict(),
      ]),
    })
    .strict(),
  z.object({ type: z.literal('failure'), id: RequestId, error: AppErrorDataSchema }).strict(),
  /** A message the worker could not parse: the client fails everything, since the two sides disagree on the contract. */
  z.object({ type: z.literal('protocol-error'), error: AppErrorDataSchema }).strict(),
]);
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;
