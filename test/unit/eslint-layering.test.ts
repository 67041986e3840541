// The layering rule (lint/layering.mjs, configured per layer in eslint.config.js), linted through ESLint with the
// repository's own config. The must-fail probes are the imports that the earlier deny-list let through (issue 14):
// colorfix reaching sharp and onnxruntime through `../../`, tiling importing the queue, server and settings, shared
// importing node:http, the renderer importing 'fs/promises' without the node: prefix, plus the engine (which had no
// rule), main importing the preload, and tests importing bench code or a generator script. Each layer also has a
// must-pass probe, so an allow-list that forbids everything fails here as well.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const RULE = 'layering/allowed-imports';
const eslint = new ESLint({ cwd: ROOT });

/** The layering errors ESLint reports for `code` as if it were the file `file` (need not exist). */
async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.message);
}

const MUST_FAIL: [file: string, code: string, target: RegExp][] = [
  ['electron/core/tiling/colorfix/adain.ts', "import '../../imageio/decode.js';", /electron\/core\/imageio\/decode/],
  ['electron/core/tiling/colorfix/wavelet.ts', "import '../../engine/engine.js';", /electron\/core\/engine\/engine/],
  ['electron/core/tiling/plan.ts', "import '../queue/index.js';", /electron\/core\/queue\/index/],
  ['electron/core/tiling/plan.ts', "import '../server/index.js';", /electron\/core\/server\/index/],
  ['electron/core/tiling/plan.ts', "import '../settings/index.js';", /electron\/core\/settings\/index/],
  ['electron/core/shared/errors.ts', "import 'node:http';", /node:http/],
  ['renderer/src/lib/view/difference.ts', "import 'fs/promises';", /node:fs\/promises/],
  ['electron/core/engine/engine.ts', "import '../queue/index.js';", /electron\/core\/queue\/index/],
  ['electron/main/main.ts', "import '../preload/bridge.js';", /electron\/preload\/bridge/],
  // Tests do not import bench code or generators (issue 14): what both need lives in electron/common.
  ['test/unit/image-metrics.test.ts', "import '../../bench/image-metrics.mjs';", /bench\/image-metrics/],
  ['test/integration/default-model.test.ts', "import '../../scripts/gen-default-model-golden.mjs';", /scripts\/gen-default-model-golden/],
];

const MUST_PASS: [file: string, code: string][] = [
  ['electron/core/tiling/colorfix/adain.ts', "import '../raster.js';\nimport '../../../common/bicubic.js';\nimport '../../shared/errors.js';"],
  ['electron/core/shared/errors.ts', "import 'zod';\nimport './api.js';"],
  ['renderer/src/lib/view/difference.ts', "import '../../../../electron/common/bicubic.js';\nimport '../../../../electron/core/shared/api.js';\nimport 'svelte';"],
  ['electron/core/engine/engine.ts', "import 'onnxruntime-node';\nimport '../imageio/decode.js';\nimport '../tiling/index.js';"],
  ['electron/main/main.ts', "import 'electron';\nimport '../common/ipc-bridge.js';\nimport '../core/engine/index.js';"],
  [
    'test/integration/default-model.test.ts',
    "import 'vitest';\nimport 'node:path';\nimport 'sharp';\nimport '../../electron/common/image-metrics.js';\nimport '../../electron/core/engine/engine.js';\nimport '../helpers/images.js';",
  ],
];

describe('layering lint', () => {
  it.each(MUST_FAIL)('%s: rejects %s', async (file, code, target) => {
    const errors = await layeringErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(target);
  });

  it.each(MUST_PASS)('%s: allows its own imports', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([]);
  });
});
