// Region files for the engine's region preview: one rectangle of an image (orientation applied) written as a PNG,
// optionally enlarged with bicubic interpolation. The engine crops the preview's input and cuts the model's output
// back to the region with it; the bicubic enlargement is the preview's comparison image. Also the display copy of a
// whole image in a format browsers cannot show.
//
// May import: sharp.
import { rename, rm } from 'node:fs/promises';
import sharp from 'sharp';

export interface PixelRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Writes all of `input` as an 8-bit sRGB PNG (orientation applied) to `output`, through a temp file in the same
 * folder so a reader never sees half of it: what a browser shows for a format it cannot decode (TIFF).
 */
export async function writeDisplayPng(input: string, output: string): Promise<{ width: number; height: number }> {
  const temp = `${output}.${process.pid}.partial`;
  try {
    const info = await sharp(input).autoOrient().toColourspace('srgb').png().toFile(temp);
    await rename(temp, output);
    return { width: info.width, height: info.height };
  } finally {
    await rm(temp, { force: true });
  }
}

/** Writes `region` of `input` (oriented) to `output` as PNG; with `scale`, enlarged that many times with bicubic. */
export async function writeRegionPng(input: string, region: PixelRegion, output: string, options: { scale?: number } = {}): Promise<void> {
  let image = sharp(input).autoOrient().extract({ left: region.x, top: region.y, width: region.width, height: region.height });
  if (options.scale !== undefined) image = image.resize(region.width * options.scale, region.height * options.scale, { kernel: 'cubic' });
  await image.png().toFile(output);
}
