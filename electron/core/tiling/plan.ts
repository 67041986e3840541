// Tile planning: how an LR image is cut into model-sized tiles, where each tile's HR output lands, and how much each
// of its output pixels weighs in the blend. Pure arithmetic; it knows no pixels, files or models.
//
// Units: LR px are input (low-resolution) pixels, HR px are output pixels; HR = LR x scale.
//
// Placement is "evened": per axis, the number of tiles is the smallest that covers the image with at least `overlap`
// LR px between neighbours, and the tiles are spread evenly over the image (start_i = round(i (L - T) / (n - 1))),
// so there is never a thin sliver of a tile at the end. An axis shorter than the tile gets one tile, centred, whose
// source reaches beyond the image on both sides (filled by reflect padding at extraction).
//
// Equivalence: when a deterministic model's output pixel depends only on LR pixels within `margin` LR px of it (its
// receptive field), every output pixel that gets a non-zero weight was computed from real image content (or from
// the same reflect padding a whole-image run would see at an image border), so the stitched result equals the
// whole-image result up to float rounding, away from the image border. This holds while overlap <= tile side / 3
// (free tiles are planned no smaller than that); with larger overlaps seam windows shrink where they would collide:
// blending stays a seamless partition of unity but the cut may no longer honour the whole margin.
//
// May import: ./blend, ./raster, ../shared (pure TS).
import { axisWeights, type AxisLayout } from './blend.js';
import { assertInteger, invalidArgument, type Rect } from './raster.js';

/** The model's tile rule, in LR px. */
export type TileSpec =
  /** The graph accepts exactly `size` x `size` LR px (TinySR: 128). Smaller images are reflect-padded up to it. */
  | { mode: 'fixed'; size: number }
  /**
   * Any tile side that is a multiple of `multipleOf`, at most `size` (and at least `min`, default 1) LR px. Per axis,
   * tiles shrink to the smallest such side that still covers the image with the same number of tiles (and, with 3+
   * tiles on the axis, no smaller than 3 x overlap), so tileWidth and tileHeight may differ.
   */
  | { mode: 'free'; size: number; multipleOf: number; min?: number };

export interface PlanOptions {
  /** LR image size, px. */
  width: number;
  height: number;
  /** Integer upscale factor of the model (HR px per LR px). */
  scale: number;
  tile: TileSpec;
  /** Minimum overlap between neighbouring tiles, LR px; less than the tile side. 0 = tiles only abut. */
  overlap: number;
  /**
   * LR px at each inner tile edge whose output gets weight 0 (the model's receptive field, if known and bounded).
   * Must satisfy 2 x margin < overlap (or be 0 when overlap is 0). Default: floor(overlap / 4).
   */
  margin?: number;
}

export interface Tile {
  /** Position in plan order (row-major: all tiles of band 0 left to right, then band 1, ...). */
  index: number;
  /** Band (tile row) and column. */
  row: number;
  col: number;
  /** The LR region fed to the model, image coordinates; it may extend beyond the image (reflect padding). */
  source: Rect;
  /** The part of this tile's output inside the output image, HR px in output-image coordinates. */
  valid: Rect;
  /** Blend weight per output column of the tile (length source.width x scale), HR px from the tile's left edge. */
  weightX: Float32Array;
  /** Blend weight per output row of the tile (length source.height x scale). The pixel weight is weightX[x] * weightY[y]. */
  weightY: Float32Array;
}

export interface TileBand {
  /** Band index = the `row` of its tiles. */
  row: number;
  /** Plan index of the band's first tile; the band holds `tileCount` consecutive tiles. */
  firstTile: number;
  tileCount: number;
  /** Output rows [0, finishedRows) (HR px) are final once every tile of bands 0..row has been stitched. */
  finishedRows: number;
}

export interface TilePlan {
  /** LR image size. */
  width: number;
  height: number;
  scale: number;
  /** HR output size (= LR size x scale). */
  outWidth: number;
  outHeight: number;
  /** Every tile's source size, LR px: the model input is 3 x tileHeight x tileWidth. */
  tileWidth: number;
  tileHeight: number;
  overlap: number;
  margin: number;
  cols: number;
  rows: number;
  /** All tiles in plan order (row-major). */
  tiles: readonly Tile[];
  bands: readonly TileBand[];
  /** Floats in one model input tile (3 x tileHeight x tileWidth) and one output tile (3 x tileHeight*s x tileWidth*s). */
  inputTileLength: number;
  outputTileLength: number;
}

/** Plans the tiles for an LR image of `width` x `height`. Throws INVALID_ARGUMENT (naming the option) on bad options. */
export function planTiles(options: PlanOptions): TilePlan {
  const { width, height, scale, tile, overlap } = options;
  assertInteger(width, 1, 'width');
  assertInteger(height, 1, 'height');
  assertInteger(scale, 1, 'scale');
  assertTileSpec(tile);
  assertInteger(overlap, 0, 'overlap');
  if (overlap >= tile.size) {
    throw invalidArgument(`overlap: expected fewer LR px than the tile side ${tile.size}, got ${overlap}; choose a smaller overlap.`, {
      argument: 'overlap',
      overlap,
      tile: tile.size,
    });
  }
  const margin = options.margin ?? Math.floor(overlap / 4);
  assertInteger(margin, 0, 'margin');
  if (overlap === 0 ? margin !== 0 : 2 * margin >= overlap) {
    throw invalidArgument(
      `margin: expected 2 x margin < overlap (${overlap} LR px), got ${margin}; raise the overlap or lower the margin.`,
      { argument: 'margin', margin, overlap },
    );
  }

  const xAxis = layoutAxis(width, tile, overlap);
  const yAxis = layoutAxis(height, tile, overlap);
  const weightsX = axisWeights(xAxis, scale, overlap, margin);
  const weightsY = axisWeights(yAxis, scale, overlap, margin);
  const cols = xAxis.starts.length;
  const rows = yAxis.starts.length;

  const tiles: Tile[] = [];
  const bands: TileBand[] = [];
  for (let row = 0; row < rows; row++) {
    const sy = yAxis.starts[row] as number;
    const nextStart = yAxis.starts[row + 1];
    bands.push({ row, firstTile: tiles.length, tileCount: cols, finishedRows: nextStart === undefined ? height * scale : nextStart * scale });
    for (let col = 0; col < cols; col++) {
      const sx = xAxis.starts[col] as number;
      tiles.push({
        index: tiles.length,
        row,
        col,
        source: { x: sx, y: sy, width: xAxis.tileLength, height: yAxis.tileLength },
        valid: clippedOutput(sx, sy, xAxis.tileLength, yAxis.tileLength, width, height, scale),
        weightX: weightsX[col] as Float32Array,
        weightY: weightsY[row] as Float32Array,
      });
    }
  }
  return {
    width,
    height,
    scale,
    outWidth: width * scale,
    outHeight: height * scale,
    tileWidth: xAxis.tileLength,
    tileHeight: yAxis.tileLength,
    overlap,
    margin,
    cols,
    rows,
    tiles,
    bands,
    inputTileLength: 3 * xAxis.tileLength * yAxis.tileLength,
    outputTileLength: 3 * xAxis.tileLength * scale * yAxis.tileLength * scale,
  };
}

function assertTileSpec(tile: TileSpec): void {
  assertInteger(tile.size, 1, 'tile.size');
  if (tile.mode === 'fixed') return;
  assertInteger(tile.multipleOf, 1, 'tile.multipleOf');
  if (tile.size % tile.multipleOf !== 0) {
    throw invalidArgument(`tile.size: expected a multiple of tile.multipleOf (${tile.multipleOf}), got ${tile.size}.`, {
      argument: 'tile.size',
      size: tile.size,
      multipleOf: tile.multipleOf,
    });
  }
  if (tile.min !== undefined) {
    assertInteger(tile.min, 1, 'tile.min');
    if (tile.min > tile.size) {
      throw invalidArgument(`tile.min: expected at most tile.size (${tile.size}), got ${tile.min}.`, { argument: 'tile.min', min: tile.min, size: tile.size });
    }
  }
}

/** Tile length and evened starts along one axis of `length` LR px. */
function layoutAxis(length: number, tile: TileSpec, overlap: number): AxisLayout {
  const count = length <= tile.size ? 1 : 1 + Math.ceil((length - tile.size) / (tile.size - overlap));
  let tileLength = tile.size;
  if (tile.mode === 'free') {
    // The smallest allowed side with which `count` tiles still cover the image with `overlap` between neighbours;
    // with two seams or more, at least 3 x overlap (when allowed) so seam windows never have to shrink (see blend.ts).
    const seamRoom = count >= 3 ? Math.min(3 * overlap, tile.size) : 1;
    const needed = Math.max(Math.ceil((length + (count - 1) * overlap) / count), tile.min ?? 1, seamRoom);
    tileLength = Math.ceil(needed / tile.multipleOf) * tile.multipleOf;
  }
  if (count === 1) {
    const padBefore = Math.floor((tileLength - length) / 2);
    return { length, tileLength, starts: [padBefore === 0 ? 0 : -padBefore] }; // never -0
  }
  const starts: number[] = [];
  for (let i = 0; i < count; i++) starts.push(Math.round((i * (length - tileLength)) / (count - 1)));
  return { length, tileLength, starts };
}

function clippedOutput(sx: number, sy: number, tw: number, th: number, width: number, height: number, scale: number): Rect {
  const x0 = Math.max(0, sx);
  const y0 = Math.max(0, sy);
  const x1 = Math.min(width, sx + tw);
  const y1 = Math.min(height, sy + th);
  return { x: x0 * scale, y: y0 * scale, width: (x1 - x0) * scale, height: (y1 - y0) * scale };
}
