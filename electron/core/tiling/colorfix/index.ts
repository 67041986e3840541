// Colour fixes applied to the finished output raster (after stitching), each seam-free by construction: AdaIN uses
// whole-image statistics; the wavelet fix works in bands with a full halo.
//
// May import: ./adain, ./stats, ./wavelet, ./bicubic, ../raster (pure TS).
import type { Raster } from '../raster.js';
import { applyAdain } from './adain.js';
import { channelStats, type ChannelStats } from './stats.js';
import { applyWaveletColorFix, type WaveletOptions } from './wavelet.js';

export { applyAdain } from './adain.js';
export { ADAIN_EPSILON, ChannelStatsAccumulator, channelStats, type ChannelStats } from './stats.js';
export { applyWaveletColorFix, WAVELET_HALO, type WaveletOptions } from './wavelet.js';
export { BicubicUpsampler } from './bicubic.js';

/** The manifest's `colorFix` values. */
export type ColorFixKind = 'adain' | 'wavelet' | 'none';

export interface ColorFixOptions extends WaveletOptions {
  /** AdaIN only: statistics of `output` gathered while stitching (else measured in one extra pass). */
  outputStats?: ChannelStats;
}

/** Applies the manifest's colour fix to `output` (HR, in place) against `lr` (the LR input the model saw). */
export function applyColorFix(kind: ColorFixKind, output: Raster, lr: Raster, options: ColorFixOptions = {}): void {
  if (kind === 'adain') applyAdain(output, channelStats(lr), options.outputStats);
  else if (kind === 'wavelet') applyWaveletColorFix(output, lr, options);
}
