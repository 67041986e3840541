// The packaging check (build/check-packaging.mjs) on the real electron-builder config and on broken copies of it:
// the real one passes, and each broken one fails with a message naming the setting at fault. The real pack (electron-builder
// --dir against a stand-in Electron) is slower and runs in the e2e tier: test/e2e/packaging.e2e.ts.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface CheckResult {
  ok: boolean;
  errors: string[];
  warnings: string[];
  report: {
    targets: Record<string, { target: string; arch: string[] }[]>;
    dependencies: { name: string; unpacked: boolean }[];
    extraResources: string[];
    packs: Record<string, { appFiles: number; nativeFiles: number }>;
  };
}
type Config = Record<string, unknown> & { files: string[]; asarUnpack: string[]; extraResources: { from: string; to: string; filter: string[] }[] };

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CONFIG_FILE = path.join(ROOT, 'build', 'electron-builder.json');
// A computed specifier: the checker is a plain .mjs script, loaded as the CLI loads it.
const checkerUrl = pathToFileURL(path.join(ROOT, 'build', 'check-packaging.mjs')).href;
const { checkPackaging } = (await import(checkerUrl)) as { checkPackaging: (configFile: string) => Promise<CheckResult> };

let dir: string;
let config: Config;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr-packaging-'));
  config = JSON.parse(await fs.readFile(CONFIG_FILE, 'utf8')) as Config;
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** Checks a modified copy of the real config. */
async function checkVariant(name: string, change: (copy: Config) => void): Promise<CheckResult> {
  const copy = structuredClone(config);
  change(copy);
  const file = path.join(dir, `${name}.json`);
  await fs.writeFile(file, JSON.stringify(copy));
  return checkPackaging(file);
}

describe('packaging check', () => {
  it('passes the real config and lists what it would pack', async () => {
    const result = await checkPackaging(CONFIG_FILE);
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.report.targets.win?.map((t) => t.target)).toEqual(['nsis']);
    expect(result.report.targets.mac).toEqual([{ target: 'dmg', arch: ['arm64'] }]);
    expect(result.report.targets.linux?.map((t) => t.target)).toEqual(['AppImage', 'deb']);
    const unpacked = result.report.dependencies.filter((d) => d.unpacked).map((d) => d.name);
    expect(unpacked).toEqual(expect.arrayContaining(['sharp', 'onnxruntime-node']));
    expect(unpacked.some((name) => name.startsWith('@img/'))).toBe(true);
    expect(result.report.dependencies.find((d) => d.name === 'zod')?.unpacked).toBe(false);
    expect(result.report.extraResources.some((f) => /^native-models\/[^/]+\/manifest\.json$/.test(f))).toBe(true);
    expect(result.report.extraResources.some((f) => f.endsWith('.onnx'))).toBe(true);
  });

  it('fails when a release target is missing or built for the wrong architecture', async () => {
    const result = await checkVariant('targets', (c) => {
      c.linux = { ...(c.linux as object), target: [{ target: 'AppImage', arch: ['x64'] }] };
      c.mac = { ...(c.mac as object), target: [{ target: 'dmg', arch: ['x64'] }] };
    });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/linux\.target: expected a "deb" target/), expect.stringMatching(/mac\.target: .*dmg.*arm64/)]),
    );
  });

  it('fails when a native module would stay inside app.asar', async () => {
    const result = await checkVariant('asar', (c) => {
      c.asarUnpack = ['**/node_modules/sharp/**'];
    });
    expect(result.errors).toEqual(expect.arrayContaining([expect.stringMatching(/asarUnpack: expected a pattern covering node_modules\/onnxruntime-node/)]));
    expect(result.errors).toEqual(expect.arrayContaining([expect.stringMatching(/asarUnpack: expected a pattern covering node_modules\/@img/)]));
  });

  it('fails when the models are not shipped as extra resources', async () => {
    const none = await checkVariant('no-models', (c) => {
      c.extraResources = [];
    });
    expect(none.errors).toEqual(expect.arrayContaining([expect.stringMatching(/extraResources: expected an entry .*native-models/)]));
    const partial = await checkVariant('manifests-only', (c) => {
      c.extraResources = [{ from: 'native-models', to: 'native-models', filter: ['*/manifest.json'] }];
    });
    expect(partial.errors).toEqual(expect.arrayContaining([expect.stringMatching(/native-models\/.*\.onnx is not shipped/)]));
  });

  it('fails when a platform files list holds only exclusions (electron-builder then packs the whole repository)', async () => {
    const result = await checkVariant('only-exclusions', (c) => {
      c.linux = { ...(c.linux as object), files: ['!**/node_modules/onnxruntime-node/bin/napi-v*/{darwin,win32}{,/**/*}'] };
    });
    expect(result.errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/linux\.files: holds only exclusions/), expect.stringMatching(/files \(linux\): training\/.* would be packed/)]),
    );
  });

  it('fails when the files list would pack training/, test/ or bench/, or misses the app entry', async () => {
    const everything = (c: Config) => {
      for (const platform of ['win', 'mac', 'linux']) c[platform] = { ...(c[platform] as object), files: ['**/*'] };
    };
    const result = await checkVariant('files', everything);
    expect(result.errors).toEqual(expect.arrayContaining([expect.stringMatching(/training\/.* would be packed/), expect.stringMatching(/test\/.* would be packed/)]));
    const noMain = await checkVariant('no-main', (c) => {
      const linux = c.linux as { files: string[] };
      linux.files = linux.files.filter((f) => !f.startsWith('dist-electron'));
    });
    expect(noMain.errors).toEqual(expect.arrayContaining([expect.stringMatching(/files \(linux\): dist-electron\/main\/main\.js would not be packed/)]));
  });

  it("reports electron-builder's own schema errors", async () => {
    const result = await checkVariant('schema', (c) => {
      c.nsiss = { oneClick: false };
    });
    expect(result.errors).toEqual(expect.arrayContaining([expect.stringMatching(/electron-builder rejects the config: .*nsiss/)]));
  });
});
