// Wavelet colour fix and the bicubic upsampler behind it: PyTorch goldens for the official algorithm, band processing
// identical to whole-image processing for every band height (no seams), and the fixed point SR == bicubic(LR).
//
// Regenerate the goldens: save the Python script in the comment at the bottom of this file as golden.py, run
// `training/.venv/bin/python golden.py` and paste the printed lists (rounded to 7 decimals) below.
import { describe, expect, it } from 'vitest';
import { applyWaveletColorFix, BicubicUpsampler, type Raster } from '../../electron/core/tiling/index.js';
import { emptyRaster, firstDifference, noiseRaster, prng, rasterFrom } from './tiling-testkit.js';

const goldenLr = (): Raster => rasterFrom(3, 3, (x, y, c) => ((x * 7 + y * 13 + c * 5) % 11) / 10, 'f32');
const goldenSr = (): Raster => rasterFrom(12, 12, (x, y, c) => ((x * 3 + y * 5 + c * 7) % 13) / 12, 'f32');

// F.interpolate(LR, scale_factor=4, mode='bicubic', align_corners=False), channel 0, float64
const BICUBIC_CH0 = [
  -0.098877, -0.0722168, 0.0552734, 0.2566406, 0.4697266, 0.6335937, 0.6864746, 0.610791, 0.4683105, 0.327002, 0.2493164, 0.234082,
  -0.0912598, -0.0645996, 0.0628906, 0.2642578, 0.4773438, 0.6412109, 0.6940918, 0.6184082, 0.4759277, 0.3346191, 0.2569336, 0.2416992,
  -0.0592958, -0.0322061, 0.097388, 0.302269, 0.5190008, 0.6853244, 0.7382052, 0.6600653, 0.5139389, 0.3691165, 0.2893271, 0.2736632,
  -0.0259837, 0.003438, 0.144453, 0.3684087, 0.6049329, 0.7845907, 0.8374716, 0.7459973, 0.5800786, 0.4161815, 0.3249712, 0.3069752,
  0.0157758, 0.0470386, 0.1970701, 0.4360848, 0.6882344, 0.8784195, 0.9313003, 0.8292989, 0.6477547, 0.4687987, 0.3685718, 0.3487348,
  0.0791675, 0.1088348, 0.251052, 0.4770155, 0.7156231, 0.8966846, 0.9495654, 0.8566875, 0.6886854, 0.5227805, 0.430368, 0.4121265,
  0.1709774, 0.19326, 0.2993109, 0.4648712, 0.6408032, 0.7796392, 0.8325201, 0.7818676, 0.6765411, 0.5710394, 0.5147932, 0.5039364,
  0.260687, 0.2722504, 0.3258052, 0.4036887, 0.4886457, 0.5661904, 0.6190712, 0.6297101, 0.6153586, 0.5975338, 0.5937836, 0.593646,
  0.3415102, 0.3413726, 0.3376225, 0.3197977, 0.3054461, 0.316085, 0.3689659, 0.4465106, 0.5314676, 0.609351, 0.6629058, 0.6744692,
  0.4124698, 0.4016131, 0.3453668, 0.2398652, 0.1345386, 0.0838862, 0.1367671, 0.2756031, 0.4515351, 0.6170953, 0.7231463, 0.7454288,
  0.466975, 0.4487336, 0.3563211, 0.1904161, 0.022414, -0.0704639, -0.017583, 0.1634785, 0.402086, 0.6280496, 0.7702668, 0.799934,
  0.4791949, 0.4593579, 0.359131, 0.1801749, -0.0013692, -0.1033706, -0.0504898, 0.1396952, 0.3918449, 0.6308595, 0.7808911, 0.8121539,
];

// official wavelet_reconstruction(SR, bicubic(LR)).clamp(0, 1), channel 1, float64
const WAVELET_CH1 = [
  0.6429975, 0.8917777, 0.0566804, 0.3053241, 0.5494, 0.7970818, 1, 0.2201266, 0.4750185, 0.7305497, 0.9864779, 0.1611602,
  1, 0.2290633, 0.4766504, 0.7246579, 0.9685199, 0.1324831, 0.3828438, 0.6375241, 0.8918486, 0.0633568, 0.3186234, 0.5755976,
  0.4022744, 0.6498795, 0.896796, 0.0607724, 0.3042448, 0.5508681, 0.8005727, 1, 0.2246475, 0.4784847, 0.7329247, 0.9889279,
  0.8236821, 1, 0.2338382, 0.4805071, 0.7235868, 0.9697186, 0.1355365, 0.3885843, 0.6414211, 0.8944954, 0.0649684, 0.3201974,
  0.1624979, 0.4091249, 0.6548218, 0.900941, 0.060398, 0.3060538, 0.5546444, 0.8070661, 1, 0.2283216, 0.4814316, 0.7360321,
  0.5831571, 0.8293327, 1, 0.2365846, 0.4790312, 0.7242296, 0.9722359, 0.1405723, 0.3921175, 0.6436848, 0.8960407, 0.0664972,
  1, 0.1649182, 0.4092278, 0.6539303, 0.8958658, 0.057064, 0.3042849, 0.5549822, 0.8056251, 1, 0.2241526, 0.4768801,
  0.3377946, 0.5827241, 0.8262125, 1, 0.2280302, 0.4718427, 0.71824, 0.9679118, 0.1342713, 0.3836982, 0.634019, 0.8856489,
  0.755575, 0.9998543, 0.1592752, 0.402264, 0.6430037, 0.8861109, 0.0483718, 0.297077, 0.5457942, 0.7941492, 1, 0.2107167,
  0.0913863, 0.334976, 0.5767797, 0.8187699, 1, 0.2179171, 0.4626194, 0.710167, 0.9578784, 0.1217647, 0.3699398, 0.6192434,
  0.5086984, 0.7516224, 0.9925995, 0.1503665, 0.3898723, 0.6314132, 0.8752177, 0.0383359, 0.2849954, 0.5309766, 0.7780043, 1,
  0.9263726, 0.0857276, 0.3260147, 0.5663657, 0.8052347, 1, 0.2059936, 0.4515708, 0.697315, 0.9425009, 0.1054905, 0.3527004,
];

function channel(raster: Raster, c: number): number[] {
  const out: number[] = [];
  for (let i = c; i < raster.data.length; i += raster.channels) out.push((raster.data[i] as number) / raster.maxValue);
  return out;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

/** Whole-image reference, written independently of the implementation: the official decomposition, literally, in float64. */
function referenceWaveletFix(sr: Raster, lr: Raster): Float64Array[] {
  const s = sr.width / lr.width;
  const W = sr.width;
  const H = sr.height;
  const at = (i: number, n: number): number => Math.min(n - 1, Math.max(0, i));
  const cubic = (x: number): number => {
    const a = -0.75;
    const d = Math.abs(x);
    return d <= 1 ? ((a + 2) * d - (a + 3)) * d * d + 1 : d < 2 ? ((a * d - 5 * a) * d + 8 * a) * d - 4 * a : 0;
  };
  const blur = (img: Float64Array, d: number): Float64Array => {
    const out = new Float64Array(img.length);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let sum = 0;
        for (let j = -1; j <= 1; j++) for (let i = -1; i <= 1; i++) sum += (2 - Math.abs(i)) * (2 - Math.abs(j)) * (img[at(y + j * d, H) * W + at(x + i * d, W)] as number);
        out[y * W + x] = sum / 16;
      }
    }
    return out;
  };
  const decompose = (img: Float64Array): [Float64Array, Float64Array] => {
    const high = new Float64Array(img.length);
    let current = img;
    for (let level = 0; level < 5; level++) {
      const low = blur(current, 2 ** level);
      for (let i = 0; i < high.length; i++) high[i] = (high[i] as number) + (current[i] as number) - (low[i] as number);
      current = low;
    }
    return [high, current];
  };
  return [0, 1, 2].map((c) => {
    const srPlane = Float64Array.from(channel(sr, c));
    const lrPlane = channel(lr, c);
    const up = new Float64Array(W * H);
    for (let Y = 0; Y < H; Y++) {
      for (let X = 0; X < W; X++) {
        const sy = (Y + 0.5) / s - 0.5;
        const sx = (X + 0.5) / s - 0.5;
        let sum = 0;
        for (let j = Math.floor(sy) - 1; j <= Math.floor(sy) + 2; j++) {
          for (let i = Math.floor(sx) - 1; i <= Math.floor(sx) + 2; i++) sum += cubic(sy - j) * cubic(sx - i) * (lrPlane[at(j, lr.height) * lr.width + at(i, lr.width)] as number);
        }
        up[Y * W + X] = sum;
      }
    }
    const [high] = decompose(srPlane);
    const [, low] = decompose(up);
    return high.map((h, i) => Math.min(1, Math.max(0, h + (low[i] as number))));
  });
}

describe('BicubicUpsampler', () => {
  it("matches PyTorch's bicubic (A = -0.75, align_corners=False), overshoot included", () => {
    const up = new BicubicUpsampler(goldenLr(), 4);
    const rows = up.rows(0, 12);
    const ch0 = [...rows].filter((_, i) => i % 3 === 0);
    expect(maxDifference(ch0, BICUBIC_CH0)).toBeLessThan(1e-6);
  });

  it('gives the same rows whatever range is asked for', () => {
    const up = new BicubicUpsampler(noiseRaster(9, 7, 3, 'u16', 4), 3);
    const whole = up.rows(0, 21);
    for (const [from, to] of [[0, 1], [5, 12], [20, 21], [0, 21]] as const) {
      expect(firstDifference(up.rows(from, to), whole.subarray(from * 27 * 3, to * 27 * 3))).toBe(-1);
    }
  });
});

describe('applyWaveletColorFix', () => {
  it('matches the official algorithm (PyTorch golden), whatever the band height', () => {
    for (const bandRows of [1, 5, 12, 64]) {
      const output = goldenSr();
      applyWaveletColorFix(output, goldenLr(), { bandRows });
      expect(maxDifference(channel(output, 1), WAVELET_CH1)).toBeLessThan(2e-6);
    }
  });

  it('processes bands with a halo: bit-identical for every band height, equal to a whole-image float64 reference', () => {
    const lr = noiseRaster(23, 41, 8, 'u8');
    const random = prng(9);
    const sr = rasterFrom(92, 164, () => random(), 'u8');
    const results = [1, 7, 31, 32, 64, 200].map((bandRows) => {
      const output: Raster = { ...sr, data: sr.data.slice() };
      const progress: number[] = [];
      applyWaveletColorFix(output, lr, { bandRows, onRows: (done) => progress.push(done) });
      expect(progress.at(-1)).toBe(164);
      expect(progress).toHaveLength(Math.ceil(164 / bandRows));
      return output.data;
    });
    for (const result of results.slice(1)) expect(firstDifference(result, results[0] as Raster['data'])).toBe(-1);

    const floatSr: Raster = { data: Float32Array.from(sr.data, (v) => v / 255), width: 92, height: 164, channels: 3, maxValue: 1 };
    const reference = referenceWaveletFix(floatSr, lr);
    applyWaveletColorFix(floatSr, lr, { bandRows: 16 });
    for (let c = 0; c < 3; c++) expect(maxDifference(channel(floatSr, c), reference[c] as Float64Array)).toBeLessThan(1e-5);
  });

  it('leaves SR == bicubic(LR) unchanged (and within one step once quantised)', () => {
    const lr = rasterFrom(10, 6, (x, y, c) => 0.5 + 0.2 * Math.sin(x / 3 + c) * Math.cos(y / 2), 'f32');
    const up = new BicubicUpsampler(lr, 4).rows(0, 24);
    const sr: Raster = { data: up.slice(), width: 40, height: 24, channels: 3, maxValue: 1 };
    applyWaveletColorFix(sr, lr, { bandRows: 8 });
    expect(firstDifference(sr.data, up)).toBe(-1);

    const sr16: Raster = { data: Uint16Array.from(up, (v) => Math.round(v * 65535)), width: 40, height: 24, channels: 3, maxValue: 65535 };
    const before = sr16.data.slice();
    applyWaveletColorFix(sr16, lr);
    expect(maxDifference(sr16.data, before)).toBeLessThanOrEqual(1);
  });

  it('keeps alpha, and rejects an output that is not an integer multiple of the LR size', () => {
    const lr = noiseRaster(5, 4, 1);
    const out = emptyRaster(10, 8, 'u8', 4);
    out.data.fill(200);
    applyWaveletColorFix(out, lr);
    for (let i = 3; i < out.data.length; i += 4) expect(out.data[i]).toBe(200);
    expect(() => applyWaveletColorFix(emptyRaster(10, 9), lr)).toThrow(/output: expected an integer multiple of the LR size 5 x 4/);
  });
});

/* golden.py (PyTorch, float64; the official decomposition with replicate padding):
import torch, torch.nn.functional as F
def lr(x, y, c): return ((x * 7 + y * 13 + c * 5) % 11) / 10
def sr(x, y, c): return ((x * 3 + y * 5 + c * 7) % 13) / 12
LR = torch.tensor([[[lr(x, y, c) for x in range(3)] for y in range(3)] for c in range(3)], dtype=torch.float64)[None]
SR = torch.tensor([[[sr(x, y, c) for x in range(12)] for y in range(12)] for c in range(3)], dtype=torch.float64)[None]
up = F.interpolate(LR, scale_factor=4, mode='bicubic', align_corners=False)
def blur(img, r):
    k = (torch.tensor([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=img.dtype) / 16)[None, None].repeat(3, 1, 1, 1)
    return F.conv2d(F.pad(img, (r, r, r, r), mode='replicate'), k, groups=3, dilation=r)
def decompose(img):
    high = torch.zeros_like(img)
    for i in range(5):
        low = blur(img, 2 ** i); high += img - low; img = low
    return high, low
out = (decompose(SR)[0] + decompose(up)[1]).clamp(0, 1)
print('BICUBIC_CH0', [round(v, 7) for v in up[0, 0].flatten().tolist()])
print('WAVELET_CH1', [round(v, 7) for v in out[0, 1].flatten().tolist()])
*/
