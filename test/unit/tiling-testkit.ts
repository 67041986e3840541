// Test helpers for the tiling and colour-fix suites: seeded rasters, pure-TS "models" with a known receptive field
// (CHW float in, CHW float out, like the ONNX models), and a tiled runner that drives the public tiling API the way
// the engine does (plan -> batched extraction -> model -> band stitcher).
import { BandStitcher, extractBatch, planTiles, type PlanOptions, type Raster } from '../../electron/core/tiling/index.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type ArrayKind = 'u8' | 'u16' | 'f32';

export function emptyRaster(width: number, height: number, kind: ArrayKind = 'u8', channels = 3): Raster {
  const n = width * height * channels;
  if (kind === 'u8') return { data: new Uint8Array(n), width, height, channels, maxValue: 255 };
  if (kind === 'u16') return { data: new Uint16Array(n), width, height, channels, maxValue: 65535 };
  return { data: new Float32Array(n), width, height, channels, maxValue: 1 };
}

/** A raster whose samples are `value(x, y, c)` in [0,1], stored (rounded for integer kinds). */
export function rasterFrom(width: number, height: number, value: (x: number, y: number, c: number) => number, kind: ArrayKind = 'u8', channels = 3): Raster {
  const raster = emptyRaster(width, height, kind, channels);
  const round = kind !== 'f32';
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v = Math.min(1, Math.max(0, value(x, y, c))) * raster.maxValue;
        raster.data[(y * width + x) * channels + c] = round ? Math.round(v) : v;
      }
    }
  }
  return raster;
}

export function noiseRaster(width: number, height: number, seed: number, kind: ArrayKind = 'u8', channels = 3): Raster {
  const random = prng(seed);
  return rasterFrom(width, height, () => random(), kind, channels);
}

/** The whole image as CHW floats in [0,1] (first 3 channels). */
export function toChw(raster: Raster): Float32Array {
  const { data, width, height, channels, maxValue } = raster;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = (data[i * channels + c] as number) / maxValue;
  return out;
}

/** A deterministic image-to-image function on CHW floats, and how far its output looks (LR px). */
export interface ChwModel {
  name: string;
  scale: number;
  receptiveField: number;
  run(chw: Float32Array, width: number, height: number): Float32Array;
}

const clampIndex = (i: number, n: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);

/** Mean over a (2r+1)^2 window, edge-clamped; output size = input size. */
function boxBlur(chw: Float32Array, width: number, height: number, r: number): Float32Array {
  const plane = width * height;
  const tmp = new Float32Array(chw.length);
  const out = new Float32Array(chw.length);
  const norm = 1 / (2 * r + 1);
  for (let c = 0; c < 3; c++) {
    const p = c * plane;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += chw[p + y * width + clampIndex(x + k, width)] as number;
        tmp[p + y * width + x] = s * norm;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += tmp[p + clampIndex(y + k, height) * width + x] as number;
        out[p + y * width + x] = s * norm;
      }
    }
  }
  return out;
}

function nearest(chw: Float32Array, width: number, height: number, s: number): Float32Array {
  const W = width * s;
  const H = height * s;
  const out = new Float32Array(3 * W * H);
  for (let c = 0; c < 3; c++) {
    for (let Y = 0; Y < H; Y++) {
      for (let X = 0; X < W; X++) out[c * W * H + Y * W + X] = chw[c * width * height + Math.floor(Y / s) * width + Math.floor(X / s)] as number;
    }
  }
  return out;
}

/** PyTorch bilinear, align_corners=False (negative source coordinates clamp to 0). */
function bilinear(chw: Float32Array, width: number, height: number, s: number): Float32Array {
  const W = width * s;
  const H = height * s;
  const out = new Float32Array(3 * W * H);
  const taps = (o: number, n: number): [number, number, number] => {
    const src = Math.max(0, (o + 0.5) / s - 0.5);
    const i0 = Math.min(Math.floor(src), n - 1);
    return [i0, Math.min(i0 + 1, n - 1), src - i0];
  };
  for (let c = 0; c < 3; c++) {
    const p = c * width * height;
    for (let Y = 0; Y < H; Y++) {
      const [y0, y1, ty] = taps(Y, height);
      for (let X = 0; X < W; X++) {
        const [x0, x1, tx] = taps(X, width);
        const top = (chw[p + y0 * width + x0] as number) * (1 - tx) + (chw[p + y0 * width + x1] as number) * tx;
        const bottom = (chw[p + y1 * width + x0] as number) * (1 - tx) + (chw[p + y1 * width + x1] as number) * tx;
        out[c * W * H + Y * W + X] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return out;
}

export const MODELS: Record<string, ChwModel> = {
  identity: { name: 'identity', scale: 1, receptiveField: 0, run: (chw) => chw.slice() },
  nearest4: { name: 'nearest x4', scale: 4, receptiveField: 0, run: (chw, w, h) => nearest(chw, w, h, 4) },
  bilinear4: { name: 'bilinear x4', scale: 4, receptiveField: 1, run: (chw, w, h) => bilinear(chw, w, h, 4) },
  blur2: { name: 'box blur r=2', scale: 1, receptiveField: 2, run: (chw, w, h) => boxBlur(chw, w, h, 2) },
  blur2Nearest2: { name: 'box blur r=2, nearest x2', scale: 2, receptiveField: 2, run: (chw, w, h) => nearest(boxBlur(chw, w, h, 2), w, h, 2) },
  blur3Bilinear4: { name: 'box blur r=3, bilinear x4', scale: 4, receptiveField: 4, run: (chw, w, h) => bilinear(boxBlur(chw, w, h, 3), w, h, 4) },
};

/** Runs `model` tiled over `source` into `output` exactly as the engine does; returns the finished-row ranges seen. */
export function runTiled(model: ChwModel, source: Raster, plan: Omit<PlanOptions, 'width' | 'height' | 'scale'>, output: Raster, batchSize = 3): Array<{ from: number; to: number }> {
  const tilePlan = planTiles({ ...plan, width: source.width, height: source.height, scale: model.scale });
  const stitcher = new BandStitcher(tilePlan, output);
  const input = new Float32Array(batchSize * tilePlan.inputTileLength);
  const ranges: Array<{ from: number; to: number }> = [];
  for (let first = 0; first < tilePlan.tiles.length; first += batchSize) {
    const batch = tilePlan.tiles.slice(first, first + batchSize);
    const chw = extractBatch(source, batch, input);
    batch.forEach((tile, n) => {
      const result = model.run(chw.subarray(n * tilePlan.inputTileLength, (n + 1) * tilePlan.inputTileLength), tilePlan.tileWidth, tilePlan.tileHeight);
      const rows = stitcher.add(tile, result);
      if (rows.to > rows.from) ranges.push(rows);
    });
  }
  return ranges;
}

/** Index of the first sample where `a` and `b` differ (or -1 when equal): a fast `toEqual` for big typed arrays. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
