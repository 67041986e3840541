// Blending weights along one axis of a tile grid: where two neighbouring tiles overlap, one fades out while the other
// fades in with a raised-cosine ramp, so the weights of all tiles covering a pixel sum to 1 (a partition of unity)
// and no seam is visible. A tile side that touches the image border has no neighbour there and keeps weight 1.
//
// Geometry of one seam (all in HR px along the axis): the seam sits at the centre C of the two tiles' actual overlap.
// Its window [C - h, C + h) has h = overlap * scale / 2, shrunk only where a neighbouring seam's window would
// otherwise intersect this one (overlaps above a third of the tile), so at most two tiles ever blend along an axis.
// Inside the window, `margin * scale` px at each end are hard cuts (weight 0 for the tile whose edge is there): a model
// whose receptive field is at most `margin` LR px then only contributes pixels it computed from real image content,
// which is what makes tiled output equal whole-image output (see plan.ts).
//
// May import: nothing.

/** How the tiles of one axis sit (LR px). `starts` are increasing; `starts[i] + tileLength` is the tile's end. */
export interface AxisLayout {
  /** Image length along this axis, LR px. */
  length: number;
  /** Every tile's length along this axis, LR px. */
  tileLength: number;
  starts: readonly number[];
}

/**
 * The blend weight of every HR output column (or row) of every tile on this axis: `result[i][k]` is the weight of
 * pixel `k` of tile `i`'s output along the axis (length `tileLength * scale`). Weights are in [0, 1]; the weights of
 * the tiles covering any pixel inside the image sum to 1 within float rounding.
 */
export function axisWeights(layout: AxisLayout, scale: number, overlap: number, margin: number): Float32Array[] {
  const { starts, tileLength } = layout;
  const seams = seamWindows(starts, tileLength, scale, overlap, margin);
  const outLength = tileLength * scale;
  return starts.map((start, i) => {
    const weights = new Float32Array(outLength).fill(1);
    const origin = start * scale;
    const before = i > 0 ? seams[i - 1] : undefined;
    const after = i < seams.length ? seams[i] : undefined;
    for (let k = 0; k < outLength; k++) {
      const centre = origin + k + 0.5;
      let w = 1;
      if (before !== undefined) w *= fadeIn(before, centre);
      if (after !== undefined) w *= 1 - fadeIn(after, centre);
      weights[k] = w;
    }
    return weights;
  });
}

/** One seam's ramp: weight of the later tile rises from 0 at `rampStart` to 1 at `rampStart + rampWidth` (HR px). */
interface SeamWindow {
  centre: number;
  rampStart: number;
  rampWidth: number;
}

function seamWindows(starts: readonly number[], tileLength: number, scale: number, overlap: number, margin: number): SeamWindow[] {
  const centres: number[] = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    const nextStart = starts[i + 1] as number;
    const end = (starts[i] as number) + tileLength;
    centres.push(((nextStart + end) / 2) * scale);
  }
  return centres.map((centre, i) => {
    const prev = centres[i - 1];
    const next = centres[i + 1];
    let half = (overlap * scale) / 2;
    if (prev !== undefined) half = Math.min(half, (centre - prev) / 2);
    if (next !== undefined) half = Math.min(half, (next - centre) / 2);
    const cut = Math.max(0, Math.min(margin * scale, half - 0.5));
    return { centre, rampStart: centre - half + cut, rampWidth: 2 * (half - cut) };
  });
}

/** Weight of the later tile of a seam at pixel centre `x` (HR px): sin^2 ramp, so fadeIn + (1 - fadeIn) = 1. */
function fadeIn(seam: SeamWindow, x: number): number {
  if (seam.rampWidth <= 0) return x < seam.centre ? 0 : x > seam.centre ? 1 : 0.5;
  const t = (x - seam.rampStart) / seam.rampWidth;
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  const s = Math.sin((Math.PI / 2) * t);
  return s * s;
}
