// How a model's card reads, in words for people: what it is good for, how long a photo takes on this computer
// (measured here, kept across restarts; never a compute count, which says nothing to a photographer), its size and
// its provenance warning. The technical figures go to the card's tooltip. Pure.
//
// May import: electron/core/shared (types), lib/view/format, lib/view/providers.
import type { ModelInfo } from '../../../../electron/core/shared/api.js';
import { formatCount, formatDuration } from '../../lib/view/format.js';
import { providerName } from '../../lib/view/providers.js';

/** The photo size speeds are told for: a typical phone or camera photo. */
const TYPICAL_PHOTO_MEGAPIXELS = 12;

export function modelSpeed(model: ModelInfo): string {
  if (model.speed === null) return 'Not timed on this computer yet: its first image or preview times it.';
  const ms = model.speed.msPerMegapixel * TYPICAL_PHOTO_MEGAPIXELS;
  return `${ms < 1000 ? 'Under a second' : `About ${formatDuration(ms)}`} for a ${TYPICAL_PHOTO_MEGAPIXELS} MP photo on the ${providerName(model.speed.provider)}, as measured on this computer.`;
}

/** What the model is for, from its manifest's words for people; a neutral line where it has none. */
export function modelSummary(model: ModelInfo): string {
  return model.summary ?? `Upscales ×${model.scale}. Its maker gave no description for people.`;
}

/** The technical figures, for the card's tooltip. */
export function modelTechnical(model: ModelInfo): string {
  const macsPerMegapixel = model.costTileLr > 0 ? (model.macs / (model.costTileLr * model.costTileLr)) * 1e6 : 0;
  return `${model.description}\n${formatCount(macsPerMegapixel)}MAC per input megapixel, ${formatCount(model.params)} parameters, tile ${model.tile.mode === 'fixed' ? model.tile.size : model.tile.default} px, v${model.version}`;
}

/** The warning shown on models whose weights do not come from training, or undefined. */
export function provenanceWarning(model: ModelInfo): string | undefined {
  if (model.untrained || model.weights === 'random-init') return 'Untrained / random weights: a test model, its output is not a real upscale.';
  if (model.weights === 'analytic') return 'A fixed function (not a learned model): useful as a baseline.';
  return undefined;
}
