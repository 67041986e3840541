// Execution providers in words for people: their names, what each needs, and what a fallback means for the user.
// The engine's own reasons (onnxruntime's messages, library paths) go behind "Details", never in the sentence.
//
// May import: electron/core/shared (types).
import type { ProviderName } from '../../../../electron/core/shared/engine-protocol.js';

export const PROVIDER_NAMES: Record<ProviderName, string> = {
  cuda: 'NVIDIA GPU (CUDA)',
  dml: 'Windows GPU (DirectML)',
  coreml: 'Apple GPU (Core ML)',
  webgpu: 'GPU (WebGPU)',
  cpu: 'CPU',
};

/** What a provider needs, said plainly (shown when it does not work here). */
export const PROVIDER_NEEDS: Record<ProviderName, string> = {
  cuda: 'Needs an NVIDIA graphics card with its CUDA 12 and cuDNN 9 libraries, and the CUDA build of TinySR.',
  dml: 'Needs Windows with a DirectX 12 graphics card.',
  coreml: 'Needs a Mac with Apple silicon.',
  webgpu: 'Needs a graphics card WebGPU can use.',
  cpu: 'The model could not run on the processor; the model file may be damaged.',
};

export function providerName(name: string): string {
  return (PROVIDER_NAMES as Record<string, string>)[name] ?? name;
}

/** A provider fallback in plain words: what happened and what it means, once. */
export function fallbackMessage(from: string, to: string): string {
  const consequence = to === 'cpu' ? 'Results are the same; they take longer.' : 'Results are the same.';
  return `The ${providerName(from)} could not be used here, so images are processed on the ${providerName(to)} instead. ${consequence} The Hardware panel says what the ${providerName(from)} needs.`;
}
