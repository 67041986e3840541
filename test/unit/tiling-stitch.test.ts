// BandStitcher: plan order, rows finished band by band (and final when reported), quantisation and clamping,
// RGB written into wider rasters without touching alpha, argument errors.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../electron/core/shared/errors.js';
import { BandStitcher, extractTile, planTiles } from '../../electron/core/tiling/index.js';
import { emptyRaster, firstDifference, MODELS, noiseRaster, runTiled, type ChwModel } from './tiling-testkit.js';

describe('BandStitcher', () => {
  it('finishes rows band by band, contiguously, and never changes a row once reported', () => {
    const model = MODELS['bilinear4'] as ChwModel;
    const source = noiseRaster(50, 90, 2);
    const plan = planTiles({ width: 50, height: 90, scale: 4, tile: { mode: 'fixed', size: 32 }, overlap: 8, margin: 1 });
    const output = emptyRaster(200, 360, 'u8');
    const stitcher = new BandStitcher(plan, output);
    const snapshots: Array<{ to: number; rows: Uint8Array }> = [];
    let finished = 0;
    for (const tile of plan.tiles) {
      expect(stitcher.nextTileIndex).toBe(tile.index);
      const rows = stitcher.add(tile, model.run(extractTile(source, tile), plan.tileWidth, plan.tileHeight));
      expect(rows.from).toBe(finished);
      const lastOfBand = tile.col === plan.cols - 1;
      expect(rows.to > rows.from).toBe(lastOfBand);
      if (lastOfBand) {
        expect(rows.to).toBe(plan.bands[tile.row]?.finishedRows);
        snapshots.push({ to: rows.to, rows: output.data.slice(rows.from * 600, rows.to * 600) as Uint8Array });
      }
      finished = rows.to;
      expect(stitcher.finishedRows).toBe(finished);
    }
    expect(stitcher.done).toBe(true);
    expect(finished).toBe(360);
    expect(snapshots).toHaveLength(plan.rows);
    let from = 0;
    for (const snapshot of snapshots) {
      expect(firstDifference(output.data.slice(from * 600, snapshot.to * 600), snapshot.rows)).toBe(-1);
      from = snapshot.to;
    }
  });

  it('rounds, clamps and scales to the output depth; NaN stores as 0', () => {
    const plan = planTiles({ width: 2, height: 1, scale: 1, tile: { mode: 'fixed', size: 2 }, overlap: 0 });
    const tile = plan.tiles[0] as (typeof plan.tiles)[number];
    // tile is 2 x 2 (the 1-row image is reflect-padded below); row 0: R = [-0.2, 1.3], G = [0.6/255, 1.4/255], B = [NaN, 1]
    const chw = new Float32Array([-0.2, 1.3, 0, 0, 0.6 / 255, 1.4 / 255, 0, 0, NaN, 1, 0, 0]);
    const out8 = emptyRaster(2, 1, 'u8');
    new BandStitcher(plan, out8).add(tile, chw);
    expect([...out8.data]).toEqual([0, 1, 0, 255, 1, 255]);
    const out16 = emptyRaster(2, 1, 'u16');
    new BandStitcher(plan, out16).add(tile, chw);
    expect([...out16.data]).toEqual([0, 154, 0, 65535, 360, 65535]);
    const outFloat = emptyRaster(2, 1, 'f32');
    new BandStitcher(plan, outFloat).add(tile, chw);
    expect([...outFloat.data]).toEqual([0, Math.fround(0.6 / 255), 0, 1, Math.fround(1.4 / 255), 1]);
  });

  it('writes RGB into a 4-channel raster and leaves alpha alone', () => {
    const model = MODELS['nearest4'] as ChwModel;
    const source = noiseRaster(20, 10, 4);
    const output = emptyRaster(80, 40, 'u8', 4);
    for (let i = 3; i < output.data.length; i += 4) output.data[i] = 77;
    runTiled(model, source, { tile: { mode: 'fixed', size: 8 }, overlap: 2 }, output);
    for (let i = 3; i < output.data.length; i += 4) expect(output.data[i]).toBe(77);
    expect(output.data[0]).toBe(source.data[0]);
    expect(output.data[4 * 79 + 2]).toBe(source.data[3 * 19 + 2]);
  });

  it('rejects tiles out of order, from another plan, with the wrong length, and a wrongly sized output', () => {
    const plan = planTiles({ width: 40, height: 40, scale: 2, tile: { mode: 'fixed', size: 16 }, overlap: 4 });
    const other = planTiles({ width: 40, height: 40, scale: 2, tile: { mode: 'fixed', size: 16 }, overlap: 4 });
    const stitcher = new BandStitcher(plan, emptyRaster(80, 80));
    const data = new Float32Array(plan.outputTileLength);
    expect(() => stitcher.add(plan.tiles[1] as (typeof plan.tiles)[number], data)).toThrow(/expected tile 0 .* got tile 1/);
    expect(() => stitcher.add(other.tiles[0] as (typeof plan.tiles)[number], data)).toThrow(AppError);
    expect(() => stitcher.add(plan.tiles[0] as (typeof plan.tiles)[number], data.subarray(1))).toThrow(/chw: expected/);
    expect(() => new BandStitcher(plan, emptyRaster(80, 79))).toThrow(/output: expected 80 x 80/);
  });
});
