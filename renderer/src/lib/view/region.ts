// Region preview geometry: turns what the user sees (the visible part of the comparison, or a box they drew, both in
// the displayed image's px at the model's scale) into the input-pixel rectangle `preview/region` takes: whole pixels,
// inside the input, at most PREVIEW_MAX_SIDE per side (centred on what was asked, so the preview shows its middle).
// Pure.
//
// May import: ./viewport (types).
import type { Size } from './viewport.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The service's own limit per side (see `preview/region` in core/shared/api.ts). */
export const PREVIEW_MAX_SIDE = 512;
/** Smaller boxes are grown to this: a preview of a few pixels shows nothing. */
export const PREVIEW_MIN_SIDE = 16;

function fitAxis(start: number, length: number, limit: number): [number, number] {
  const wanted = Math.min(PREVIEW_MAX_SIDE, Math.max(PREVIEW_MIN_SIDE, Math.round(length)), limit);
  const centre = start + length / 2;
  const from = Math.round(Math.min(Math.max(0, centre - wanted / 2), limit - wanted));
  return [from, wanted];
}

/** `displayed`: a rect in displayed px (input px times `scale`); `input`: the input image's size. */
export function previewRect(displayed: Rect, scale: number, input: Size): Rect {
  const s = scale > 0 ? scale : 1;
  const [x, width] = fitAxis(displayed.x / s, displayed.width / s, input.width);
  const [y, height] = fitAxis(displayed.y / s, displayed.height / s, input.height);
  return { x, y, width, height };
}

/** The rectangle spanned by two corner points, in either order. */
export function rectFromCorners(a: { x: number; y: number }, b: { x: number; y: number }): Rect {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y) };
}
