// The size of an image's output from the size the user asked for (OutputSizeSchema): the model's scale, a factor, or
// a long edge with the other side in proportion. Pure.
//
// May import: core/shared (types).
import type { OutputSize } from '../shared/engine-protocol.js';

export interface Dimensions {
  width: number;
  height: number;
}

export function outputDimensions(size: OutputSize, input: Dimensions, modelScale: number): Dimensions {
  switch (size.kind) {
    case 'model':
      return { width: input.width * modelScale, height: input.height * modelScale };
    case 'scale':
      return { width: input.width * size.factor, height: input.height * size.factor };
    case 'long-edge': {
      const ratio = size.pixels / Math.max(input.width, input.height);
      return { width: Math.max(1, Math.round(input.width * ratio)), height: Math.max(1, Math.round(input.height * ratio)) };
    }
  }
}
