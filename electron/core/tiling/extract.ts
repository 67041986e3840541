// Tile extraction: copies a tile's LR source region out of an interleaved raster into the planar float layout models
// take (CHW, values in [0,1]), reflect-padding wherever the region reaches beyond the image.
//
// May import: ./plan (types), ./raster, ./reflect, ../shared (pure TS).
import type { Tile } from './plan.js';
import { assertRaster, invalidArgument, type Raster } from './raster.js';
import { reflectTable } from './reflect.js';

/**
 * The model input for one tile: Float32Array of 3 x source.height x source.width (CHW, RGB, `sample / maxValue`).
 * Writes into `into` at `offset` (floats) when given, else into a new array; returns the tile's slice.
 */
export function extractTile(source: Raster, tile: Pick<Tile, 'source'>, into?: Float32Array, offset = 0): Float32Array {
  assertRaster(source, 'source');
  const { width: tw, height: th } = tile.source;
  const length = 3 * tw * th;
  const target = into ?? new Float32Array(length);
  if (!Number.isInteger(offset) || offset < 0 || offset + length > target.length) {
    throw invalidArgument(`into: expected room for ${length} floats at offset ${offset}, the buffer holds ${target.length}.`, {
      argument: 'into',
      offset,
      needed: length,
      available: target.length,
    });
  }
  writeTile(source, tile.source.x, tile.source.y, tw, th, target, offset);
  return target.subarray(offset, offset + length);
}

/**
 * The model input for a batch: the tiles (all of one plan, hence one size) one after another as N x 3 x h x w.
 * Writes into `into` (a buffer preallocated for the largest batch, reused across batches) or a new array; returns
 * exactly the batch's floats (`into.subarray(0, N x 3 x h x w)`), ready to wrap in a tensor.
 */
export function extractBatch(source: Raster, tiles: readonly Pick<Tile, 'source'>[], into?: Float32Array): Float32Array {
  assertRaster(source, 'source');
  const first = tiles[0];
  if (first === undefined) return new Float32Array(0);
  const { width: tw, height: th } = first.source;
  const tileLength = 3 * tw * th;
  const target = into ?? new Float32Array(tileLength * tiles.length);
  if (target.length < tileLength * tiles.length) {
    throw invalidArgument(`into: expected room for ${tiles.length} tiles of ${tileLength} floats, the buffer holds ${target.length}.`, {
      argument: 'into',
      needed: tileLength * tiles.length,
      available: target.length,
    });
  }
  tiles.forEach((tile, n) => {
    if (tile.source.width !== tw || tile.source.height !== th) {
      throw invalidArgument(`tiles[${n}]: expected every tile of a batch to be ${tw} x ${th} LR px, got ${tile.source.width} x ${tile.source.height}.`, {
        argument: 'tiles',
        index: n,
      });
    }
    writeTile(source, tile.source.x, tile.source.y, tw, th, target, n * tileLength);
  });
  return target.subarray(0, tileLength * tiles.length);
}

function writeTile(source: Raster, x0: number, y0: number, tw: number, th: number, out: Float32Array, offset: number): void {
  const { data, width, height, channels } = source;
  const inv = 1 / source.maxValue;
  const plane = tw * th;
  const columns = reflectTable(x0, tw, width);
  for (let k = 0; k < tw; k++) columns[k] = (columns[k] as number) * channels;
  const rows = reflectTable(y0, th, height);
  for (let ty = 0; ty < th; ty++) {
    const rowBase = (rows[ty] as number) * width * channels;
    let o = offset + ty * tw;
    for (let tx = 0; tx < tw; tx++, o++) {
      const i = rowBase + (columns[tx] as number);
      out[o] = (data[i] as number) * inv;
      out[o + plane] = (data[i + 1] as number) * inv;
      out[o + 2 * plane] = (data[i + 2] as number) * inv;
    }
  }
}
