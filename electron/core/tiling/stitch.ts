// Stitching: blends model output tiles into the final interleaved output raster, one band of rows at a time.
// Float accumulators exist only for the rows still being blended (at most one tile height of HR rows, full output
// width, 3 float planes of weighted R, G, B), in a ring of rows reused band after band. Tile weights are separable
// (weightX x weightY), so the weight sum at (x, y) is columnSum[x] x rowSum[y]: two 1-D arrays instead of a fourth
// plane. When a band's last tile arrives, the rows no later tile touches are normalised by that sum, clamped to [0,1],
// scaled to the raster's maxValue, rounded (integer rasters) and written out; the caller can then stream them
// (colour statistics, progress) while the next band is computed.
//
// May import: ./plan (types), ./raster, ../shared (pure TS).
import type { Tile, TilePlan } from './plan.js';
import { assertRaster, invalidArgument, isIntegerRaster, type Raster, type RowRange } from './raster.js';

/** Accumulator planes: weighted R, G, B. */
const ACC_PLANES = 3;

/**
 * Stitches the tiles of one plan into one output raster. Memory: 12 bytes x outWidth x min(tileHeight x scale,
 * outHeight) for the accumulators (TinySR, 8000 px wide output: 512 rows, 49 MB), whatever the image height.
 */
export class BandStitcher {
  readonly #plan: TilePlan;
  readonly #output: Raster;
  /** 3 planes of `#capacity` accumulator rows: output row y lives at ring row y % capacity. */
  readonly #acc: Float32Array;
  readonly #capacity: number;
  /** Scratch: the blend weight of each column of the tile row being accumulated. */
  readonly #rowWeight: Float32Array;
  /** Sum over all tiles of weightX at each output column, and of weightY at each output row. */
  readonly #columnSum: Float64Array;
  readonly #rowSum: Float64Array;
  #nextTile = 0;
  #finishedRows = 0;

  /**
   * @param plan the plan the tiles come from
   * @param output the HR raster to fill: plan.outWidth x plan.outHeight, >= 3 channels (only RGB is written)
   */
  constructor(plan: TilePlan, output: Raster) {
    assertRaster(output, 'output');
    if (output.width !== plan.outWidth || output.height !== plan.outHeight) {
      throw invalidArgument(
        `output: expected ${plan.outWidth} x ${plan.outHeight} px (the plan's HR size), got ${output.width} x ${output.height}.`,
        { argument: 'output', expected: [plan.outWidth, plan.outHeight], actual: [output.width, output.height] },
      );
    }
    this.#plan = plan;
    this.#output = output;
    this.#capacity = Math.min(plan.tileHeight * plan.scale, plan.outHeight);
    this.#acc = new Float32Array(this.#capacity * plan.outWidth * ACC_PLANES);
    this.#rowWeight = new Float32Array(plan.tileWidth * plan.scale);
    this.#columnSum = axisSum(plan, 'x');
    this.#rowSum = axisSum(plan, 'y');
  }

  /** Output rows [0, finishedRows) are final (HR px). */
  get finishedRows(): number {
    return this.#finishedRows;
  }

  /** Whether every tile has been stitched and the whole output written. */
  get done(): boolean {
    return this.#nextTile === this.#plan.tiles.length;
  }

  /** Plan index of the tile `add` expects next. */
  get nextTileIndex(): number {
    return this.#nextTile;
  }

  /**
   * Blends one tile's model output (CHW float32, 3 x source.height*s x source.width*s, values nominally in [0,1];
   * a view into a batch output is fine) into the output. Tiles must arrive in plan order.
   * @returns the output rows (HR px) this call finished; empty unless the tile completed a band
   */
  add(tile: Tile, chw: Float32Array): RowRange {
    const plan = this.#plan;
    if (tile.index !== this.#nextTile || plan.tiles[tile.index] !== tile) {
      throw invalidArgument(`tile: expected tile ${this.#nextTile} of this plan (tiles arrive in plan order), got tile ${tile.index}.`, {
        argument: 'tile',
        expected: this.#nextTile,
        actual: tile.index,
      });
    }
    if (chw.length !== plan.outputTileLength) {
      throw invalidArgument(`chw: expected ${plan.outputTileLength} floats (3 x ${plan.tileHeight * plan.scale} x ${plan.tileWidth * plan.scale}), got ${chw.length}.`, {
        argument: 'chw',
        expected: plan.outputTileLength,
        actual: chw.length,
      });
    }
    this.#accumulate(tile, chw);
    this.#nextTile++;
    const band = plan.bands[tile.row];
    if (band === undefined || tile.index !== band.firstTile + band.tileCount - 1) return { from: this.#finishedRows, to: this.#finishedRows };
    const from = this.#finishedRows;
    this.#flush(from, band.finishedRows);
    this.#finishedRows = band.finishedRows;
    return { from, to: band.finishedRows };
  }

  #accumulate(tile: Tile, chw: Float32Array): void {
    const s = this.#plan.scale;
    const outWidth = this.#plan.outWidth;
    const tileOutWidth = tile.source.width * s;
    const plane = tileOutWidth * tile.source.height * s;
    const originX = tile.source.x * s;
    const originY = tile.source.y * s;
    const { weightX, weightY } = tile;
    // Only columns/rows inside the image with a non-zero weight contribute.
    let x0 = tile.valid.x - originX;
    let x1 = x0 + tile.valid.width;
    while (x0 < x1 && weightX[x0] === 0) x0++;
    while (x1 > x0 && weightX[x1 - 1] === 0) x1--;
    const y0 = tile.valid.y - originY;
    const y1 = y0 + tile.valid.height;
    const ringPlane = this.#capacity * outWidth;
    const acc = this.#acc;
    const rowWeight = this.#rowWeight;
    for (let ty = y0; ty < y1; ty++) {
      const wy = weightY[ty] as number;
      if (wy === 0) continue;
      for (let tx = x0; tx < x1; tx++) rowWeight[tx] = wy * (weightX[tx] as number);
      const a = ((originY + ty) % this.#capacity) * outWidth + originX;
      const p = ty * tileOutWidth;
      // three planar streams (R, G, B): simple loops the JIT keeps tight
      for (let c = 0; c < 3; c++) {
        const accBase = c * ringPlane + a;
        const chwBase = c * plane + p;
        for (let tx = x0; tx < x1; tx++) acc[accBase + tx] = (acc[accBase + tx] as number) + (rowWeight[tx] as number) * (chw[chwBase + tx] as number);
      }
    }
  }

  /** Normalises accumulator rows [from, to), writes them to the output and clears them for reuse. */
  #flush(from: number, to: number): void {
    const outWidth = this.#plan.outWidth;
    const ringPlane = this.#capacity * outWidth;
    const { data, channels, maxValue } = this.#output;
    const rounding = isIntegerRaster(this.#output) ? 0.5 : 0;
    const acc = this.#acc;
    const columnSum = this.#columnSum;
    for (let y = from; y < to; y++) {
      const ringRow = (y % this.#capacity) * outWidth;
      const rowSum = this.#rowSum[y] as number;
      let o = y * outWidth * channels;
      for (let x = 0; x < outWidth; x++, o += channels) {
        const a = ringRow + x;
        const sum = rowSum * (columnSum[x] as number);
        const scale = sum > 0 ? maxValue / sum : 0;
        for (let c = 0; c < 3; c++) {
          const v = (acc[a + c * ringPlane] as number) * scale;
          // clamp to [0, maxValue]; NaN stores as 0; the floor(v + 0.5) rounding applies to integer rasters only
          const clamped = v > 0 ? (v < maxValue ? v : maxValue) : 0;
          data[o + c] = rounding === 0 ? clamped : Math.floor(clamped + rounding);
        }
      }
      for (let c = 0; c < ACC_PLANES; c++) acc.fill(0, c * ringPlane + ringRow, c * ringPlane + ringRow + outWidth);
    }
  }
}

/** Per output column (or row): the sum of the weights of all tiles covering it, inside the image. */
function axisSum(plan: TilePlan, axis: 'x' | 'y'): Float64Array {
  const length = axis === 'x' ? plan.outWidth : plan.outHeight;
  const sums = new Float64Array(length);
  // one band (for columns) or one column of tiles (for rows) covers the axis once
  const tiles = plan.tiles.filter((tile) => (axis === 'x' ? tile.row === 0 : tile.col === 0));
  for (const tile of tiles) {
    const weights = axis === 'x' ? tile.weightX : tile.weightY;
    const origin = (axis === 'x' ? tile.source.x : tile.source.y) * plan.scale;
    const from = axis === 'x' ? tile.valid.x : tile.valid.y;
    const to = from + (axis === 'x' ? tile.valid.width : tile.valid.height);
    for (let i = from; i < to; i++) sums[i] = (sums[i] as number) + (weights[i - origin] as number);
  }
  return sums;
}
