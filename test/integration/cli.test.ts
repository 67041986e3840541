// The `tinysr` command end to end: `node bin/tinysr.js` spawned as a user would run it (dist/ built by npm test),
// the fixture models as the bundled folder, real image files in a temp folder whose name has spaces and non-ASCII.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_ID, packageRoot } from '../../electron/core/models/index.js';
import { makeTempDir, readMetadata, removeTempDir, writeNotAnImage, writeTestImage } from '../helpers/images.js';

const run = promisify(execFile);
const ROOT = packageRoot();
const BIN = path.join(ROOT, 'bin', 'tinysr.js');

let dir: string;
let env: NodeJS.ProcessEnv;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function tinysr(...args: string[]): Promise<Outcome> {
  return tinysrWith(env, ...args);
}

async function tinysrWith(environment: NodeJS.ProcessEnv, ...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: environment, cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: run `npm run build` before the integration tests.');
  dir = await makeTempDir();
  env = {
    ...process.env,
    TINYSR_NATIVE_MODELS: path.join(ROOT, 'test', 'fixtures', 'models'),
    TINYSR_USER_MODELS: path.join(dir, 'user models'),
    XDG_DATA_HOME: path.join(dir, 'data'),
  };
  await writeTestImage(path.join(dir, 'photos', 'one.jpg'), { width: 40, height: 32, format: 'jpeg' });
  await writeTestImage(path.join(dir, 'photos', 'twö.png'), { width: 24, height: 40, format: 'png' });
  await writeNotAnImage(path.join(dir, 'photos', 'broken.webp'));
  await writeTestImage(path.join(dir, 'photos', 'sub', 'deep.png'), { width: 16, height: 16, format: 'png' });
});

afterAll(async () => {
  await removeTempDir(dir);
});

const MODEL = ['--model', 'generic-x4-tiny', '--provider', 'cpu', '--threads', '1'];

describe('tinysr CLI', () => {
  it('finishes the good files of a batch when one fails, names the failure, and exits 1', async () => {
    const out = path.join(dir, 'out one');
    const { code, stdout, stderr } = await tinysr('upscale', 'photos', '-o', out, ...MODEL);
    expect(code).toBe(1);
    expect(stdout).toMatch(/2 upscaled, 0 skipped, 1 failed/);
    expect(stdout).toMatch(/broken\.webp: INPUT_NOT_IMAGE: /);
    expect(stderr).toMatch(/random-init: untrained test weights/);
    expect((await fs.readdir(out)).sort()).toEqual(['one_generic-x4-tiny_x4.png', 'twö_generic-x4-tiny_x4.png']);
    expect(await readMetadata(path.join(out, 'twö_generic-x4-tiny_x4.png'))).toMatchObject({ width: 96, height: 160 });
  });

  it('upscales with the bundled default model when no model is named', async () => {
    const { TINYSR_NATIVE_MODELS: _fixtures, ...installed } = env;
    const out = path.join(dir, 'out default');
    const { code, stdout } = await tinysrWith(installed, 'upscale', path.join('photos', 'sub', 'deep.png'), '-o', out, '--threads', '1');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`1 upscaled, 0 skipped, 0 failed .* with ${DEFAULT_MODEL_ID}`));
    expect(await readMetadata(path.join(out, `deep_${DEFAULT_MODEL_ID}_x4.png`))).toMatchObject({ width: 64, height: 64 });
  });

  it('exits 0 when all succeed, then skips or refuses existing outputs', async () => {
    const out = path.join(dir, 'out two');
    const files = [path.join('photos', 'one.jpg'), path.join('photos', 'sub')];
    const first = await tinysr('upscale', ...files, '-o', out, ...MODEL, '--format', 'webp', '--name-template', '{name}@{scale}x.{ext}');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/2 upscaled, 0 skipped, 0 failed/);
    expect((await fs.readdir(out)).sort()).toEqual(['deep@4x.webp', 'one@4x.webp']);

    const skipped = await tinysr('upscale', ...files, '-o', out, ...MODEL, '--format', 'webp', '--name-template', '{name}@{scale}x.{ext}', '--skip-existing');
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/0 upscaled, 2 skipped, 0 failed/);

    const refused = await tinysr('upscale', files[0] as string, '-o', out, ...MODEL, '--format', 'webp', '--name-template', '{name}@{scale}x.{ext}');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/one\.jpg: OUTPUT_EXISTS/);
  });

  it('mirrors subfolders with --recursive', async () => {
    const out = path.join(dir, 'out three');
    const { code } = await tinysr('upscale', path.join('photos', 'sub'), 'photos/one.jpg', '-o', out, ...MODEL, '-r');
    expect(code).toBe(0);
    expect(existsSync(path.join(out, 'deep_generic-x4-tiny_x4.png'))).toBe(true);
    const nested = await tinysr('upscale', 'photos', '-o', path.join(dir, 'out four'), ...MODEL, '-r');
    expect(nested.code).toBe(1); // broken.webp
    expect(existsSync(path.join(dir, 'out four', 'sub', 'deep_generic-x4-tiny_x4.png'))).toBe(true);
  });

  it('exits 2 on a usage error and 3 when the model cannot be used', async () => {
    const usage = await tinysr('upscale', 'photos/one.jpg', '-o', 'x', '--quality', '500');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--quality expects a whole number from 1 to 100, got "500"/);
    const template = await tinysr('upscale', 'photos/one.jpg', '-o', 'x', '--name-template', '{nom}.png');
    expect(template.code).toBe(2);
    const tile = await tinysr('upscale', 'photos/one.jpg', '-o', 'x', '--model', 'tinysr-tiny', '--tile', '64');
    expect(tile.code).toBe(2);
    expect(tile.stderr).toMatch(/only accepts 128 px tiles/);
    const model = await tinysr('upscale', 'photos/one.jpg', '-o', 'x', '--model', 'nope');
    expect(model.code).toBe(3);
    expect(model.stderr).toMatch(/MODEL_NOT_FOUND: No model "nope" is installed; available: generic-x4-tiny/);
  });

  it('lists models as JSON with the untrained flag', async () => {
    const { code, stdout } = await tinysr('models', '--json');
    expect(code).toBe(0);
    const listing = JSON.parse(stdout) as { models: { id: string; untrained: boolean; weights: string }[]; problems: unknown[] };
    expect(listing.models.find((m) => m.id === 'generic-x4-tiny')).toMatchObject({ untrained: true, weights: 'random-init' });
    const text = await tinysr('models');
    expect(text.stdout).toMatch(/generic-x4-tiny .*RANDOM-INIT/);
  });

  it('names what is wrong with a broken user model and exits 1', async () => {
    const broken = path.join(dir, 'user models', 'half-copied');
    await fs.mkdir(broken, { recursive: true });
    await fs.copyFile(path.join(ROOT, 'test', 'fixtures', 'models', 'generic-x4-tiny', 'manifest.json'), path.join(broken, 'manifest.json'));
    try {
      const { code, stdout } = await tinysr('models');
      expect(code).toBe(1);
      expect(stdout).toMatch(/1 broken model folder\(s\):\n .*half-copied: MODEL_FILE_MISSING: The manifest lists model\.onnx/);
      expect(stdout).toMatch(/generic-x4-tiny/); // the good models are still listed
    } finally {
      await fs.rm(broken, { recursive: true, force: true });
    }
  });

  it('probes providers by name', async () => {
    const { code, stdout } = await tinysr('probe', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { providers: { name: string; ok: boolean }[]; auto: string };
    expect(report.providers).toContainEqual(expect.objectContaining({ name: 'cpu', ok: true }));
    expect(report.auto).toBe('cpu');
  });

  it('cancels the running file on Ctrl-C, leaves nothing behind, and exits 130', async () => {
    const input = await writeTestImage(path.join(dir, 'big', 'large.png'), { width: 256, height: 256, format: 'png' });
    const out = path.join(dir, 'out interrupted');
    const child = spawn(process.execPath, [BIN, 'upscale', input, path.join('photos', 'one.jpg'), '-o', out, ...MODEL, '--tile', '16', '--overlap', '4'], { env, cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let interrupted = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!interrupted && /large\.png: 25%/.test(stderr)) interrupted = child.kill('SIGINT'); // once: a second Ctrl-C forces exit
      });
      child.on('close', resolve);
    });
    expect(code).toBe(130);
    expect(stdout).toMatch(/0 upscaled, 0 skipped, 2 failed/);
    expect(stdout).toMatch(/large\.png: CANCELLED/);
    expect(stdout).toMatch(/one\.jpg: CANCELLED: Not started/);
    expect(await fs.readdir(out).catch(() => [])).toEqual([]);
  });

  it('prints help', async () => {
    const { code, stdout } = await tinysr('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/tinysr upscale <files\|folders\.\.\.> -o <dir>/);
    expect(stdout).toMatch(/Exit codes: 0 all succeeded/);
    // Issue 12: the help promised IPTC was carried while Keywords and By-line were dropped.
    const upscale = await tinysr('upscale', '--help');
    expect(upscale.stdout).not.toMatch(/EXIF\/XMP\/IPTC/);
    expect(upscale.stdout).toMatch(/IPTC-IIM fields \(Keywords,\s+By-line\) are not written/);
    expect(upscale.stdout).toMatch(/--max-megapixels <n>/);
  });

  it('follows symbolic links in a folder, with loop protection, and names a link to nothing', async () => {
    // Issue 12: a folder of symlinks said "no images found".
    const links = path.join(dir, 'links');
    await fs.mkdir(links, { recursive: true });
    await fs.symlink(path.join(dir, 'photos', 'one.jpg'), path.join(links, 'linked.jpg'));
    await fs.symlink(path.join(dir, 'photos', 'sub'), path.join(links, 'linked folder'));
    await fs.symlink(links, path.join(links, 'loop')); // a folder that contains itself
    await fs.symlink(path.join(dir, 'gone.png'), path.join(links, 'dangling.png'));
    const out = path.join(dir, 'out links');
    const { code, stdout } = await tinysr('upscale', 'links', '-o', out, ...MODEL, '-r');
    expect(code).toBe(1);
    expect(stdout).toMatch(/2 upscaled, 0 skipped, 1 failed/);
    expect(stdout).toMatch(/dangling\.png: INPUT_NOT_FOUND/);
    expect(existsSync(path.join(out, 'linked_generic-x4-tiny_x4.png'))).toBe(true);
    expect(existsSync(path.join(out, 'linked folder', 'deep_generic-x4-tiny_x4.png'))).toBe(true);
  });

  it('says how to resolve a name clash (not with {ext}, which both share) and how to raise the size limit', async () => {
    await writeTestImage(path.join(dir, 'clash', 'same.jpg'), { width: 8, height: 8, format: 'jpeg' });
    await writeTestImage(path.join(dir, 'clash', 'same.png'), { width: 8, height: 8, format: 'png' });
    const clash = await tinysr('upscale', 'clash', '-o', path.join(dir, 'out clash'), ...MODEL);
    expect(clash.code).toBe(1);
    expect(clash.stdout).toMatch(/same\.png: OUTPUT_EXISTS: .*rename one of them, or upscale them into different output folders/);
    expect(clash.stdout).not.toMatch(/\{ext\}/);

    const big = await writeTestImage(path.join(dir, 'limit', 'big.png'), { width: 1100, height: 1000, format: 'png' });
    const out = path.join(dir, 'out limit');
    const refused = await tinysr('upscale', big, '-o', out, ...MODEL, '--max-megapixels', '1');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/big\.png: INPUT_TOO_LARGE: .*1100x1000 \(1\.1 MP\), over the input limit of 1\.0 MP.*--max-megapixels/);
    expect(existsSync(out)).toBe(false); // the folder this failed job created is gone again
  });
});
