// What an ONNX file the user adds can do, found by running it (the manifest a user-added model gets is built from
// this; see core/api's model-import.ts): one float32 NCHW input with 3 channels and one output, the scale from a probe
// tile's output size, a fixed tile size or the multiple the free sizes must be, and whether the batch axis is free.
// Runs on the CPU, a few small tiles.
//
// May import: onnxruntime-node, core/shared, ./providers.
import ort from 'onnxruntime-node';
import type { ModelInspection } from '../shared/engine-protocol.js';
import { AppError } from '../shared/errors.js';
import { createSession } from './providers.js';

/** Tile side of the probe runs; a free-size model is tried at PROBE_SIDE + m for each candidate multiple m. */
const PROBE_SIDE = 64;
const MULTIPLES = [1, 2, 4, 8, 16, 32] as const;

export async function inspectModelFile(file: string, threads: number): Promise<ModelInspection> {
  const refuse = (why: string): AppError => new AppError('MODEL_MANIFEST_INVALID', `${file} cannot be used as an upscaler: ${why}.`, { path: file });
  const session = await createSession(file, { provider: 'cpu', threads });
  try {
    const [input, more] = session.inputMetadata;
    const [output] = session.outputMetadata;
    if (input === undefined || more !== undefined) throw refuse(`it has ${session.inputMetadata.length} inputs, the app feeds exactly one image`);
    if (output === undefined) throw refuse('it has no output');
    if (!input.isTensor || input.type !== 'float32' || input.shape.length !== 4) throw refuse('its input is not a float32 image tensor [batch, 3, height, width]');
    const [batch, channels, height, width] = input.shape;
    if (channels !== 3) throw refuse(`its input has ${String(channels)} channels, not 3 (RGB)`);
    const fixedSide = typeof height === 'number' && height > 0 ? height : undefined;
    if (fixedSide !== undefined && width !== height) throw refuse(`its input is fixed at ${String(height)} x ${String(width)}; only square tiles are supported`);

    const run = async (side: number): Promise<number> => {
      const feeds = { [input.name]: new ort.Tensor('float32', new Float32Array(3 * side * side).fill(0.5), [1, 3, side, side]) };
      const result = (await session.run(feeds))[output.name];
      const [n, c, h, w] = result?.dims ?? [];
      if (result?.type !== 'float32' || n !== 1 || c !== 3 || h === undefined || h !== w || h % side !== 0) {
        throw refuse(`a ${side} x ${side} tile gave ${result ? `${result.type} [${result.dims.join(', ')}]` : 'nothing'}, not a float32 RGB image a whole number of times larger`);
      }
      return h / side;
    };

    let scale: number;
    let multipleOf = 1;
    if (fixedSide !== undefined) scale = await run(fixedSide);
    else {
      let found: { scale: number; multipleOf: number } | undefined;
      for (const multiple of MULTIPLES) {
        try {
          found = { scale: await run(PROBE_SIDE + multiple), multipleOf: multiple };
          break;
        } catch (error) {
          if (error instanceof AppError) throw error;
        }
      }
      if (found === undefined) throw refuse(`it ran on no tile size from ${PROBE_SIDE + 1} to ${PROBE_SIDE + 32} px`);
      ({ scale, multipleOf } = found);
    }
    if (scale < 1 || scale > 8) throw refuse(`its output is ${scale} times its input; the app takes x1 to x8`);
    return {
      input: input.name,
      output: output.name,
      scale,
      dynamicBatch: typeof batch !== 'number' || batch <= 0,
      tile: fixedSide !== undefined ? { mode: 'fixed', size: fixedSide } : { mode: 'free', multipleOf },
    };
  } finally {
    await session.release();
  }
}
