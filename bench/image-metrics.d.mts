// Types of image-metrics.mjs, for the TypeScript tests that use it (the benchmarks import the .mjs directly).

/** An interleaved RGB(A) buffer (core/tiling's Raster shape). */
export interface MetricsRaster {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels: number;
  maxValue: number;
}

/** One channel, row-major, values in [0, 1]. */
export type Plane = ArrayLike<number>;

export type Axis = 'x' | 'y';

/** The part of core/tiling's TilePlan that seamCentres reads. */
export interface SeamPlan {
  scale: number;
  cols: number;
  tileWidth: number;
  tileHeight: number;
  tiles: readonly { col: number; source: { x: number; y: number } }[];
}

export interface SeamCentres {
  x: number[];
  y: number[];
}

/** What upsampledRaster reads (core/tiling's BicubicUpsampler fits). */
export interface Upsampler {
  outWidth: number;
  outHeight: number;
  rows(from: number, to: number): Float32Array;
}

export function upsampledRaster(upsampler: Upsampler): MetricsRaster & { data: Uint8Array };
export function luma(raster: MetricsRaster): Float64Array;
export const PSNR_EPS: number;
export function psnrY(a: MetricsRaster, b: MetricsRaster): number;
export function lineEnergies(plane: Plane, width: number, height: number, axis: Axis): Float64Array;
export function gradientEnergy(plane: Plane, width: number, height: number): number;
export function cropPlane(plane: Float64Array, width: number, x: number, y: number, w: number, h: number): Float64Array;
export function boxDownscale(plane: Plane, width: number, height: number, factor: number): { plane: Float64Array; width: number; height: number };
export function psnr(a: Plane, b: Plane): number;
export function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number };
export function seamCentres(plan: SeamPlan): SeamCentres;
export function seamRatio(plane: Plane, width: number, height: number, centres: SeamCentres, halfWidth?: number): { x: number; y: number; all: number };
