// Execution providers: which ones this onnxruntime-node build offers, the order `auto` tries them in, session
// options per provider, and the probe that creates a real session on each and reports which really work (by name,
// with onnxruntime's reason and a hint for those that do not).
//
// May import: onnxruntime-node, core/shared, core/models (types).
import ort from 'onnxruntime-node';
import type { InstalledModel } from '../models/index.js';
import { AppError } from '../shared/errors.js';
import { ProviderNameSchema, type ProbeReport, type ProviderChoice, type ProviderName, type ProviderProbe } from '../shared/engine-protocol.js';

/** The order `auto` tries providers in; webgpu is offered only when chosen explicitly (it is experimental in onnxruntime-node). */
export const AUTO_PROVIDER_ORDER: readonly ProviderName[] = ['cuda', 'dml', 'coreml', 'cpu'];

const SETUP_HINTS: Record<ProviderName, string> = {
  cuda: 'needs an NVIDIA GPU, CUDA 12 + cuDNN 9, and onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=cuda12',
  dml: 'DirectML ships with the Windows build only',
  coreml: 'CoreML ships with the macOS arm64 build only',
  webgpu: 'needs a GPU adapter that Dawn (Vulkan/Metal/D3D12) can open',
  cpu: 'the CPU provider is part of every build; a failure here means the model itself does not load',
};

// onnxruntime prints provider load failures to stderr itself; the probe reports them as data instead.
ort.env.logLevel = 'fatal';

/** Providers this onnxruntime-node build lists for this platform (cpu always included), in a stable order. */
export function listedProviders(): ProviderName[] {
  const listed = new Set<string>(ort.listSupportedBackends().map((b) => b.name));
  listed.add('cpu');
  return ProviderNameSchema.options.filter((name) => listed.has(name));
}

/**
 * Providers to try for a choice, best first. An explicit choice still ends with cpu, so an unavailable GPU
 * degrades to a slower run with a visible notice instead of a failed batch.
 */
export function providerOrder(choice: ProviderChoice, listed: readonly ProviderName[] = listedProviders()): ProviderName[] {
  if (choice === 'auto') return AUTO_PROVIDER_ORDER.filter((p) => listed.includes(p));
  return choice === 'cpu' ? ['cpu'] : [choice, 'cpu'];
}

export interface SessionSettings {
  provider: ProviderName;
  /** onnxruntime intra-op threads; 0 lets onnxruntime decide. */
  threads: number;
}

export function sessionOptions(settings: SessionSettings): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [settings.provider],
    graphOptimizationLevel: 'all',
    ...(settings.threads > 0 ? { intraOpNumThreads: settings.threads } : {}),
  };
}

/** Creates a session; failures become PROVIDER_UNAVAILABLE (a GPU provider) or MODEL_LOAD_FAILED (cpu). */
export async function createSession(modelFile: string, settings: SessionSettings): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(modelFile, sessionOptions(settings));
  } catch (err) {
    const reason = (err as Error).message.trim();
    if (settings.provider === 'cpu') {
      throw new AppError('MODEL_LOAD_FAILED', `onnxruntime could not load ${modelFile}: ${reason}. Re-export the model or check its opset.`, {
        path: modelFile,
        cause: err,
      });
    }
    throw new AppError('PROVIDER_UNAVAILABLE', `The ${settings.provider} provider does not work here: ${reason} (${SETUP_HINTS[settings.provider]}).`, {
      details: { provider: settings.provider, reason },
      cause: err,
    });
  }
}

/** The smallest LR tile side the model accepts: what a probe runs. */
export function probeTileSide(model: InstalledModel): number {
  const rule = model.manifest.tile;
  return rule.mode === 'fixed' ? rule.size : rule.min;
}

async function probeOne(model: InstalledModel, provider: ProviderName, threads: number): Promise<ProviderProbe> {
  const started = performance.now();
  let session: ort.InferenceSession | undefined;
  try {
    session = await createSession(model.files.fp32, { provider, threads });
    const side = probeTileSide(model);
    const input = new ort.Tensor('float32', new Float32Array(3 * side * side).fill(0.5), [1, 3, side, side]);
    const output = (await session.run({ [model.manifest.io.input]: input }))[model.manifest.io.output];
    const expected = side * model.manifest.scale;
    if (!output || output.dims[2] !== expected || output.dims[3] !== expected) {
      return { name: provider, ok: false, reason: `ran, but returned shape [${output?.dims.join(', ')}] instead of [1, 3, ${expected}, ${expected}]` };
    }
    return { name: provider, ok: true, ms: performance.now() - started };
  } catch (err) {
    const reason = err instanceof AppError ? String(err.details?.reason ?? err.message) : (err as Error).message.trim();
    return { name: provider, ok: false, reason: `${reason} (${SETUP_HINTS[provider]})` };
  } finally {
    await session?.release();
  }
}

/** Creates a session on `model` with each listed provider and runs one tile; reports what really works. */
export async function probeProviders(model: InstalledModel, threads = 0): Promise<ProbeReport> {
  const providers: ProviderProbe[] = [];
  for (const name of listedProviders()) providers.push(await probeOne(model, name, threads));
  const working = new Set(providers.filter((p) => p.ok).map((p) => p.name));
  const auto = AUTO_PROVIDER_ORDER.find((p) => working.has(p)) ?? 'cpu';
  return { model: model.id, providers, auto };
}
