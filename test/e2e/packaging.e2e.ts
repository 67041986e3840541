// The real pack: electron-builder --dir for Linux x64, Windows x64 and macOS arm64 against a stand-in Electron
// (build/check-packaging.mjs, packAndInspect), on the real config and on broken copies of it. Each pack takes 5-15 s,
// hence this tier. Needs the compiled app: `npm test` builds dist/ and renderer/dist/, this file builds dist-electron/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface PackResult {
  platform: string;
  ok: boolean;
  errors: string[];
  files: number;
  bytes: { asar: number; unpacked: number; models: number };
  log: string;
}
type Budget = { asar: number; unpacked: number; models: number };
type Config = Record<string, unknown>;

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CONFIG_FILE = path.join(ROOT, 'build', 'electron-builder.json');
const checkerUrl = pathToFileURL(path.join(ROOT, 'build', 'check-packaging.mjs')).href;
const { packAndInspect } = (await import(checkerUrl)) as {
  packAndInspect: (configFile: string, platform: string, options?: { budget?: Budget }) => PackResult;
};

let dir: string;
let config: Config;
beforeAll(async () => {
  const build = spawnSync('npm', ['run', 'build:electron'], { cwd: ROOT, encoding: 'utf8' });
  expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr-pack-e2e-'));
  config = JSON.parse(await fs.readFile(CONFIG_FILE, 'utf8')) as Config;
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function variant(name: string, change: (copy: Config) => void): Promise<string> {
  const copy = structuredClone(config);
  change(copy);
  const file = path.join(dir, `${name}.json`);
  await fs.writeFile(file, JSON.stringify(copy));
  return file;
}

const linuxFiles = (c: Config): string[] => (c.linux as { files: string[] }).files;

describe('electron-builder --dir with a stand-in Electron', () => {
  it.each(['linux', 'win', 'mac'])('%s: packs only the app and its runtime dependencies, within budget', (platform) => {
    const result = packAndInspect(CONFIG_FILE, platform);
    expect(result.errors, result.log).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.files).toBeGreaterThan(100);
  });

  it('fails on a file outside the app (a bench script added to the files list)', async () => {
    const file = await variant('bench', (c) => linuxFiles(c).splice(1, 0, 'bench/**/*'));
    const result = packAndInspect(file, 'linux');
    expect(result.errors).toEqual(expect.arrayContaining([expect.stringMatching(/file\(s\) outside the app .*bench\//)]));
  });

  it("fails when the x64 package carries arm64's onnxruntime", async () => {
    const file = await variant('arm64', (c) => {
      (c.linux as { files: string[] }).files = linuxFiles(c).filter((p) => !p.includes('linux/arm64'));
    });
    const result = packAndInspect(file, 'linux');
    expect(result.errors).toEqual(expect.arrayContaining([expect.stringMatching(/onnxruntime-node for another platform .*linux\/arm64/)]));
  });

  it('fails on a size over budget', () => {
    const result = packAndInspect(CONFIG_FILE, 'linux', { budget: { asar: 1e6, unpacked: 120e6, models: 100e6 } });
    expect(result.errors).toEqual([expect.stringMatching(/size: asar is .* over its budget of 1\.0 MB/)]);
  });
});
