// The comparison's geometry and the region preview's rectangles: pure math, checked on hand-computed cases.
import { describe, expect, it } from 'vitest';
import { PREVIEW_MAX_SIDE, previewRect, rectFromCorners } from '../../renderer/src/lib/view/region.js';
import {
  MAX_ZOOM,
  clampOffset,
  fitScale,
  fitViewport,
  panBy,
  steppedScale,
  toImagePoint,
  visibleRegion,
  zoomTo,
} from '../../renderer/src/lib/view/viewport.js';

const image = { width: 4000, height: 2000 };
const frame = { width: 800, height: 600 };

describe('viewport', () => {
  it('fits the whole image and centres it on the short axis', () => {
    const view = fitViewport(image, frame);
    expect(view.scale).toBeCloseTo(0.2);
    expect(view.offset).toEqual({ x: 0, y: (600 - 2000 * 0.2) / 2 });
  });

  it('enlarges a small image to fill the frame, up to 800 %, and still allows 100 %', () => {
    expect(fitScale({ width: 200, height: 50 }, frame)).toBe(4);
    expect(fitScale({ width: 20, height: 10 }, frame)).toBe(MAX_ZOOM);
    const small = { width: 200, height: 50 };
    expect(zoomTo(fitViewport(small, frame), 1, small, frame).scale).toBe(1);
  });

  it('keeps the image point under the anchor fixed while zooming', () => {
    const fit = fitViewport(image, frame);
    const anchor = { x: 300, y: 250 };
    const before = toImagePoint(fit, anchor);
    const zoomed = zoomTo(fit, 1, image, frame, anchor);
    expect(zoomed.scale).toBe(1);
    expect(toImagePoint(zoomed, anchor).x).toBeCloseTo(before.x, 6);
    expect(toImagePoint(zoomed, anchor).y).toBeCloseTo(before.y, 6);
  });

  it('clamps zoom between fit and 800 %', () => {
    const fit = fitViewport(image, frame);
    expect(zoomTo(fit, 50, image, frame).scale).toBe(MAX_ZOOM);
    expect(zoomTo(fit, 0.01, image, frame).scale).toBeCloseTo(0.2);
  });

  it('walks the zoom steps up and down, ending at the limits', () => {
    expect(steppedScale(1, 1)).toBe(1.5);
    expect(steppedScale(1, -1)).toBe(0.75);
    expect(steppedScale(0.2, 1)).toBe(0.25);
    expect(steppedScale(8, 1)).toBe(8);
  });

  it('pans only as far as the image reaches', () => {
    const view = { scale: 1, offset: { x: 0, y: 0 } };
    expect(panBy(view, { x: 500, y: 500 }, image, frame).offset).toEqual({ x: 0, y: 0 });
    expect(panBy(view, { x: -1e6, y: -1e6 }, image, frame).offset).toEqual({ x: 800 - 4000, y: 600 - 2000 });
    expect(clampOffset({ x: 123, y: 0 }, 0.1, image, frame).x).toBe((800 - 400) / 2);
  });

  it('reports the visible part of the image in image px', () => {
    const region = visibleRegion({ scale: 2, offset: { x: -1000, y: -400 } }, image, frame);
    expect(region).toEqual({ x: 500, y: 200, width: 400, height: 300 });
  });
});

describe('region preview rectangles', () => {
  const input = { width: 1000, height: 700 };

  it('converts displayed px to input px at the model scale', () => {
    expect(previewRect({ x: 400, y: 800, width: 400, height: 200 }, 4, input)).toEqual({ x: 100, y: 200, width: 100, height: 50 });
  });

  it('limits each side to the service maximum, centred on what was asked', () => {
    const rect = previewRect({ x: 0, y: 0, width: 4000, height: 2800 }, 4, input);
    expect(rect.width).toBe(PREVIEW_MAX_SIDE);
    expect(rect.height).toBe(PREVIEW_MAX_SIDE);
    expect(rect.x).toBe(Math.round(500 - PREVIEW_MAX_SIDE / 2));
    expect(rect.y).toBe(Math.round(350 - PREVIEW_MAX_SIDE / 2));
  });

  it('stays inside the image and grows a tiny box to a useful size', () => {
    const rect = previewRect({ x: 3996, y: 2796, width: 2, height: 2 }, 4, input);
    expect(rect.x + rect.width).toBeLessThanOrEqual(1000);
    expect(rect.y + rect.height).toBeLessThanOrEqual(700);
    expect(rect.width).toBe(16);
  });

  it('never asks for more than a small image has', () => {
    expect(previewRect({ x: 0, y: 0, width: 40, height: 40 }, 4, { width: 8, height: 6 })).toEqual({ x: 0, y: 0, width: 8, height: 6 });
  });

  it('spans a box drawn in any direction', () => {
    expect(rectFromCorners({ x: 10, y: 50 }, { x: 2, y: 5 })).toEqual({ x: 2, y: 5, width: 8, height: 45 });
  });
});
