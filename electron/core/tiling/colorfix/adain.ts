// AdaIN colour fix (the TinySR default): each channel of the SR output is shifted and scaled so its mean and standard
// deviation become those of the LR input, then clamped to [0,1]. Statistics are whole-image, so the fix is one global
// affine map per channel: seam-free by construction whatever the tiling.
//
// May import: ./stats, ../raster, ../../shared (pure TS).
import { assertRaster, isIntegerRaster, quantizer, type Raster } from '../raster.js';
import { channelStats, type ChannelStats } from './stats.js';

/**
 * Rewrites `output` (the stitched SR image) in place: v' = clamp((v - mean_sr) / std_sr * std_lr + mean_lr, 0, 1)
 * per channel, in [0,1] units. `reference` = statistics of the LR input; `current` = statistics of `output` (pass
 * them when gathered while stitching, else they are measured here in one extra pass).
 * Integer rasters go through a per-channel lookup table (256 or 65536 entries), so the pass costs one load per sample.
 */
export function applyAdain(output: Raster, reference: ChannelStats, current: ChannelStats = channelStats(output)): void {
  assertRaster(output, 'output');
  const { data, channels, maxValue } = output;
  const store = quantizer(output);
  const gains = [0, 1, 2].map((c) => (reference.std[c] as number) / (current.std[c] as number));
  const offsets = [0, 1, 2].map((c) => (reference.mean[c] as number) - (current.mean[c] as number) * (gains[c] as number));
  const integerSamples = isIntegerRaster(output) && Number.isInteger(maxValue) && maxValue <= 65535;
  for (let c = 0; c < 3; c++) {
    const gain = gains[c] as number;
    const offset = offsets[c] as number;
    if (integerSamples) {
      const table = new Float64Array(maxValue + 1);
      for (let q = 0; q <= maxValue; q++) table[q] = store((q / maxValue) * gain + offset);
      for (let i = c; i < data.length; i += channels) data[i] = table[data[i] as number] as number;
    } else {
      for (let i = c; i < data.length; i += channels) data[i] = store(((data[i] as number) / maxValue) * gain + offset);
    }
  }
}
