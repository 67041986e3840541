// Pixel buffers for the difference view: decode an <img> from a URL (CORS-clean, so the canvas stays readable: same
// origin in browser mode, the image scheme with CORS in Electron), read it at a given size, enlarge it with bicubic
// in a worker, and draw a buffer onto a canvas.
//
// May import: lib/view (types), ./bicubic.worker.
import type { RgbaImage } from '../../lib/view/difference.js';
import type { BicubicRequest } from './bicubic.worker.js';
import type { Size } from '../../lib/view/viewport.js';

export async function loadImage(url: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.crossOrigin = 'anonymous';
  image.decoding = 'async';
  image.src = url;
  await image.decode();
  return image;
}

/** The image's pixels, drawn at `size` (the canvas resamples when the size differs from the natural one). */
export function readPixels(image: HTMLImageElement, size: Size = { width: image.naturalWidth, height: image.naturalHeight }): RgbaImage {
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new Error('This browser cannot create a 2D canvas for the difference view.');
  context.imageSmoothingQuality = 'high';
  context.drawImage(image, 0, 0, size.width, size.height);
  const data = context.getImageData(0, 0, size.width, size.height);
  return { width: data.width, height: data.height, data: data.data };
}

export function drawPixels(canvas: HTMLCanvasElement, image: RgbaImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  if (context === null) return;
  context.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
}

/** resizeBicubic in a worker, so the window stays responsive while a large reference is enlarged. */
export function resizeBicubicOffThread(image: RgbaImage, size: Size): Promise<RgbaImage> {
  const worker = new Worker(new URL('./bicubic.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<RgbaImage>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<RgbaImage>) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(`the bicubic worker failed: ${event.message}`));
    const request: BicubicRequest = { image, size };
    worker.postMessage(request, [image.data.buffer]);
  }).finally(() => worker.terminate());
}
