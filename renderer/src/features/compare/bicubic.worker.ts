// Runs the difference view's bicubic enlargement off the main thread: for a large result it takes long enough to
// freeze the window. Takes { image, size }, answers the resized image (its buffer transferred, not copied).
//
// May import: lib/view/difference.
import { resizeBicubic, type RgbaImage } from '../../lib/view/difference.js';
import type { Size } from '../../lib/view/viewport.js';

export interface BicubicRequest {
  image: RgbaImage;
  size: Size;
}

self.onmessage = (event: MessageEvent<BicubicRequest>) => {
  const resized = resizeBicubic(event.data.image, event.data.size);
  self.postMessage(resized, { transfer: [resized.data.buffer] });
};
