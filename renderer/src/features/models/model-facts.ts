// How a model's facts read in the picker: its speed (measured in this session when it ran, otherwise its compute per
// megapixel from the manifest), size and provenance warning. Pure.
//
// May import: electron/core/shared (types), lib/view/format.
import type { ModelInfo } from '../../../../electron/core/shared/api.js';
import { formatCount, formatMs } from '../../lib/view/format.js';

export function modelSpeed(model: ModelInfo): string {
  if (model.speed !== null) return `${formatMs(model.speed.msPerMegapixel)} per input megapixel on ${model.speed.provider.toUpperCase()} (measured)`;
  if (model.costTileLr <= 0) return 'speed not measured yet';
  const macsPerMegapixel = (model.macs / (model.costTileLr * model.costTileLr)) * 1e6;
  return `${formatCount(macsPerMegapixel)}MAC per input megapixel (not measured yet)`;
}

export function modelSize(model: ModelInfo): string {
  return `${formatCount(model.params)} parameters`;
}

/** The warning shown on models whose weights do not come from training, or undefined. */
export function provenanceWarning(model: ModelInfo): string | undefined {
  if (model.untrained || model.weights === 'random-init') return 'Untrained / random weights: a test model, its output is not a real upscale.';
  if (model.weights === 'analytic') return 'A fixed function (not a learned model): useful as a baseline.';
  return undefined;
}
