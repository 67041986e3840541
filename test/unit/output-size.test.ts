// The output size the user asks for, as dimensions: the model's scale, a factor, or a long edge in proportion.
import { describe, expect, it } from 'vitest';
import { outputDimensions } from '../../electron/core/engine/output-size.js';

describe('outputDimensions', () => {
  it('takes the model scale, a factor, or a long edge with the other side in proportion', () => {
    const photo = { width: 300, height: 200 };
    expect(outputDimensions({ kind: 'model' }, photo, 4)).toEqual({ width: 1200, height: 800 });
    expect(outputDimensions({ kind: 'scale', factor: 2 }, photo, 4)).toEqual({ width: 600, height: 400 });
    expect(outputDimensions({ kind: 'long-edge', pixels: 3000 }, photo, 4)).toEqual({ width: 3000, height: 2000 });
    expect(outputDimensions({ kind: 'long-edge', pixels: 1001 }, { width: 200, height: 300 }, 4)).toEqual({ width: 667, height: 1001 });
    expect(outputDimensions({ kind: 'long-edge', pixels: 16 }, { width: 4000, height: 10 }, 4)).toEqual({ width: 16, height: 1 });
  });
});
