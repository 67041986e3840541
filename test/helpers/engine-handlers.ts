// A fake engine for the protocol tests (worker service, supervisor): the test's upscale, a header probe that answers
// from the request, and a preview made from the test's upscale (so its events and cancel behave like an upscale's).
// The real inspect and preview run in test/integration/engine-client.test.ts and api-service.test.ts.
import path from 'node:path';
import type { EngineHandlers } from '../../electron/core/engine/engine-service.js';
import type { JobContext } from '../../electron/core/engine/engine.js';
import type { UpscaleRequest, UpscaleResult } from '../../electron/core/shared/engine-protocol.js';

export const FAKE_IMAGE_SIZE = { width: 2, height: 3 };

/** What the fake engines answer to an upscale: a 2 x 3 input made 8 x 12 on the CPU. */
export const FAKE_UPSCALE_RESULT: UpscaleResult = {
  input: '/in/a.png',
  output: '/out/a_x4.png',
  model: 'm',
  inputSize: FAKE_IMAGE_SIZE,
  outputSize: { width: 8, height: 12 },
  provider: 'cpu',
  precision: 'fp32',
  tile: 64,
  batch: 1,
  tiles: 2,
  wallMs: 5,
  runMs: 4,
};

export function fakeEngineHandlers(upscale: (request: UpscaleRequest, context: JobContext) => Promise<UpscaleResult>): EngineHandlers {
  return {
    upscale,
    probe: async () => ({ model: 'm', providers: [{ name: 'cpu', ok: true, ms: 1 }], auto: 'cpu' }),
    display: async ({ output }) => ({ output, ...FAKE_IMAGE_SIZE }),
    inspectModel: async () => ({ input: 'lr', output: 'hr', scale: 4, dynamicBatch: true, tile: { mode: 'free', multipleOf: 1 } }),
    inspect: async ({ paths }) => ({ images: paths.map((file) => ({ path: file, ok: true as const, format: 'png' as const, ...FAKE_IMAGE_SIZE })) }),
    preview: async (request, context = {}) => {
      const result = await upscale({ input: request.input, output: path.join(request.dir, 'upscaled.png'), model: request.model }, context);
      const scale = result.outputSize.width / result.inputSize.width;
      return {
        rect: request.rect,
        scale,
        upscaled: result.output,
        bicubic: path.join(request.dir, 'bicubic.png'),
        size: { width: request.rect.width * scale, height: request.rect.height * scale },
        provider: result.provider,
        wallMs: result.wallMs,
      };
    },
  };
}
