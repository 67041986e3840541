// Public API of the engine, for every caller (the CLI, the app's queue, the browser-mode server). Importing it never
// loads onnxruntime or sharp into the caller's process: inference runs in the engine process.
//
//   const engine = new EngineClient({ config: { threads: 0, models: { bundledDir, userDir } } });
//   await engine.start();                                   // optional: requests start the worker on demand
//   const result = await engine.upscale(
//     { input, output, model: 'realesrgan-x4fast', provider: 'auto', tile, overlap, format, quality,
//       metadata: 'keep' | 'strip', overwrite: false },
//     { signal, onEvent },                                  // AbortSignal cancel; events below
//   );                                                      // -> UpscaleResult: sizes, provider/tile/batch used, tiles, wallMs, runMs
//   const report = await engine.probe({ model? });          // -> ProbeReport: each provider ok or the reason, and `auto`'s pick
//   const { images } = await engine.inspect({ paths }, { signal });   // per path: { ok, format, width, height } or { ok: false, error }
//   const preview = await engine.preview({ input, rect, model, provider, tile?, overlap?, dir }, { signal, onEvent });
//                                                            // -> PreviewResult: upscaled.png and bicubic.png of the region in `dir`
//   await engine.restart(); await engine.close();
//
// Events (EngineEvent, validated zod schemas in core/shared/engine-protocol.ts):
//   { type: 'stage', stage: 'loading-model' | 'decoding' | 'upscaling' | 'encoding' }
//   { type: 'progress', tile, tiles, ms, elapsedMs, etaMs }  after every tile; etaMs from measured throughput
//   { type: 'notice', code: 'provider-fallback' | 'oom-smaller-batch' | 'oom-smaller-tile' | 'oom-next-provider', message, details }
// Errors: promises reject with AppError (core/shared/errors.ts) rebuilt from the worker's JSON: INPUT_*, OUTPUT_*,
// MODEL_*, PROVIDER_UNAVAILABLE, OUT_OF_MEMORY, INFERENCE_FAILED, CANCELLED (nothing written), ENGINE_CRASHED (the
// worker died; the next request starts a fresh one).
//
// Hosting: dist/core/engine/worker-main.js is the engine process's entry, for child_process.fork (EngineClient's
// default transport) and Electron's utilityProcess.fork alike (see worker-port.ts). Another host passes
// `new EngineClient({ spawn })`, a function that starts one EngineProcess (engine-process.ts), and `onExit` to hear
// crashes. The in-process Engine (engine.ts) is what the worker runs.
//
// May import: ./engine-client, ./engine-process, ./eta, ./tile-rule, core/shared.
export { defaultWorkerPath, EngineClient, type EngineClientOptions, type JobOptions } from './engine-client.js';
export {
  describeEngineExit,
  keepOutputLines,
  type EngineExit,
  type EngineExitReason,
  type EngineProcess,
  type SpawnEngineProcess,
} from './engine-process.js';
export { formatDuration, ThroughputEta } from './eta.js';
export { resolveTiling, type TileChoice } from './tile-rule.js';
export type {
  InspectModelRequest,
  ModelInspection,
  DisplayRequest,
  DisplayResult,
  EngineConfig,
  EngineEvent,
  InputFormat,
  InspectedImage,
  InspectRequest,
  InspectResult,
  NoticeEvent,
  PixelRect,
  PreviewRequest,
  PreviewResult,
  ProbeReport,
  ProbeRequest,
  ProgressEvent,
  ProviderChoice,
  ProviderName,
  ProviderProbe,
  StageEvent,
  UpscaleRequest,
  UpscaleResult,
} from '../shared/engine-protocol.js';
