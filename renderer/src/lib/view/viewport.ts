// The comparison view's geometry: zoom levels (fit, 100 %, up to 800 %), zooming about a point, and pan limits, for an
// image of `image` px shown in a frame of `frame` px. Both layers of the comparison share one Viewport, so before and
// after can never drift apart. Pure math, no DOM.
//
// May import: nothing.

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** One view of the image: `scale` CSS px per image px, `offset` = where the image's top-left corner sits in the frame. */
export interface Viewport {
  scale: number;
  offset: Point;
}

export const MAX_ZOOM = 8;
/** The zoom steps `+` and `-` walk through (besides fit). */
export const ZOOM_STEPS = [0.125, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8] as const;

/** The scale at which the whole image fills the frame: small images are enlarged (up to MAX_ZOOM) so detail shows. */
export function fitScale(image: Size, frame: Size): number {
  if (image.width <= 0 || image.height <= 0 || frame.width <= 0 || frame.height <= 0) return 1;
  return Math.min(MAX_ZOOM, frame.width / image.width, frame.height / image.height);
}

/**
 * The smallest zoom allowed: fit, or `floor` for images smaller than the frame, so they can still be seen at that
 * size (1: image px 1:1; an upscaled result passes 1/scale, so the original's own size is reachable).
 */
export function minScale(image: Size, frame: Size, floor = 1): number {
  return Math.min(fitScale(image, frame), floor);
}

export function clampScale(scale: number, image: Size, frame: Size, floor = 1): number {
  return Math.min(MAX_ZOOM, Math.max(minScale(image, frame, floor), scale));
}

/** Keeps the image covering the frame on each axis where it is larger, and centred where it is smaller. */
export function clampOffset(offset: Point, scale: number, image: Size, frame: Size): Point {
  const axis = (value: number, imageSide: number, frameSide: number): number => {
    const shown = imageSide * scale;
    if (shown <= frameSide) return (frameSide - shown) / 2;
    return Math.min(0, Math.max(frameSide - shown, value));
  };
  return { x: axis(offset.x, image.width, frame.width), y: axis(offset.y, image.height, frame.height) };
}

export function fitViewport(image: Size, frame: Size): Viewport {
  const scale = fitScale(image, frame);
  return { scale, offset: clampOffset({ x: 0, y: 0 }, scale, image, frame) };
}

/** Zooms to `scale`, keeping the image point under `anchor` (frame px; the frame's centre by default) where it is. */
export function zoomTo(view: Viewport, scale: number, image: Size, frame: Size, anchor?: Point, floor = 1): Viewport {
  const next = clampScale(scale, image, frame, floor);
  const at = anchor ?? { x: frame.width / 2, y: frame.height / 2 };
  const imageX = (at.x - view.offset.x) / view.scale;
  const imageY = (at.y - view.offset.y) / view.scale;
  const offset = { x: at.x - imageX * next, y: at.y - imageY * next };
  return { scale: next, offset: clampOffset(offset, next, image, frame) };
}

/** The next zoom step above (direction 1) or below (-1) the current scale. */
export function steppedScale(scale: number, direction: 1 | -1): number {
  const epsilon = 1e-6;
  if (direction > 0) return ZOOM_STEPS.find((step) => step > scale + epsilon) ?? MAX_ZOOM;
  return [...ZOOM_STEPS].reverse().find((step) => step < scale - epsilon) ?? ZOOM_STEPS[0];
}

export function panBy(view: Viewport, delta: Point, image: Size, frame: Size): Viewport {
  return { scale: view.scale, offset: clampOffset({ x: view.offset.x + delta.x, y: view.offset.y + delta.y }, view.scale, image, frame) };
}

/** The part of the image visible in the frame, in image px, clipped to the image. */
export function visibleRegion(view: Viewport, image: Size, frame: Size): { x: number; y: number; width: number; height: number } {
  const x0 = Math.max(0, -view.offset.x / view.scale);
  const y0 = Math.max(0, -view.offset.y / view.scale);
  const x1 = Math.min(image.width, (frame.width - view.offset.x) / view.scale);
  const y1 = Math.min(image.height, (frame.height - view.offset.y) / view.scale);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Frame px -> image px. */
export function toImagePoint(view: Viewport, point: Point): Point {
  return { x: (point.x - view.offset.x) / view.scale, y: (point.y - view.offset.y) / view.scale };
}
