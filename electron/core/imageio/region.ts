// Region files for the engine's region preview: one rectangle of an image (orientation applied) written as a PNG,
// optionally enlarged with bicubic interpolation. The engine crops the preview's input and cuts the model's output
// back to the region with it; the bicubic enlargement is the preview's comparison image.
//
// May import: sharp.
import sharp from 'sharp';

export interface PixelRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Writes `region` of `input` (oriented) to `output` as PNG; with `scale`, enlarged that many times with bicubic. */
export async function writeRegionPng(input: string, region: PixelRegion, output: string, options: { scale?: number } = {}): Promise<void> {
  let image = sharp(input).autoOrient().extract({ left: region.x, top: region.y, width: region.width, height: region.height });
  if (options.scale !== undefined) image = image.resize(region.width * options.scale, region.height * options.scale, { kernel: 'cubic' });
  await image.png().toFile(output);
}
