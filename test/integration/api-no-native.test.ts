// The process boundary of design.md ("Processes"): Electron's main process, which hosts the API service, never
// decodes images or runs a model, so importing the compiled API layer must not load sharp (libvips) or onnxruntime.
// Each module is imported in a fresh Node process, which then lists the native libraries it has loaded (Node's
// diagnostic report, on every platform). The control imports prove the check sees those libraries when they do load.
// Needs the compiled dist/ (`npm run build`, as `npm test` does first).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../electron/core/models/index.js';

const run = promisify(execFile);
const DIST = path.join(packageRoot(), 'dist', 'core');
/** Native libraries of sharp (its addon, libvips) and onnxruntime (its binding, the runtime). */
const NATIVE = /sharp|vips|onnxruntime/i;

/** The native libraries loaded in a fresh Node process after importing `module` (a path under dist/core). */
async function nativeLibrariesAfterImporting(module: string): Promise<string[]> {
  const file = path.join(DIST, module);
  expect(existsSync(file), `${file} is missing; run \`npm run build\` first`).toBe(true);
  const script = [
    `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    `const loaded = process.report.getReport().sharedObjects;`,
    `process.stdout.write(JSON.stringify(loaded.filter((name) => ${NATIVE}.test(name))));`,
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: packageRoot() });
  return JSON.parse(stdout) as string[];
}

describe("the API layer's process stays free of sharp and onnxruntime", () => {
  it.each(['api/index.js', 'server/index.js', 'queue/index.js', 'settings/index.js'])('importing dist/core/%s loads neither', async (module) => {
    expect(await nativeLibrariesAfterImporting(module)).toEqual([]);
  });

  it('the check sees sharp and onnxruntime when a module does load them (control)', async () => {
    expect((await nativeLibrariesAfterImporting('imageio/index.js')).some((name) => /vips/i.test(name))).toBe(true);
    expect((await nativeLibrariesAfterImporting('engine/engine.js')).some((name) => /onnxruntime/i.test(name))).toBe(true);
  });
});
