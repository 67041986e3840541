import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MODEL_ID,
  FileDigestCache,
  findModel,
  listModels,
  loadModelFolder,
  packageRoot,
  resolveModelLocations,
  UNTRAINED_LABEL,
} from '../../electron/core/models/index.js';
import { AppError } from '../../electron/core/shared/errors.js';

const FIXTURE = path.join(packageRoot(), 'test', 'fixtures', 'models', 'generic-x4-tiny');

let root: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr-models-'));
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Copies the fixture model into `<root>/<folder>/<name>` and lets the test edit its manifest. */
async function installCopy(name: string, edit: (manifest: Record<string, unknown>) => void = () => undefined, folder = 'bundled'): Promise<string> {
  const dir = path.join(root, folder, name);
  await fs.cp(FIXTURE, dir, { recursive: true });
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await fs.writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  return dir;
}

async function loadError(dir: string): Promise<AppError> {
  const error = await loadModelFolder(dir, 'user').then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('loadModelFolder', () => {
  it('loads and verifies a good model, labelled untrained when its weights are random-init', async () => {
    const model = await loadModelFolder(FIXTURE, 'bundled');
    expect(model.id).toBe('generic-x4-tiny');
    expect(model.files.fp32).toBe(path.join(FIXTURE, 'model.onnx'));
    expect(model.untrained).toBe(true);
    expect(model.label).toContain(UNTRAINED_LABEL);
    expect(model.isDefault).toBe(model.id === DEFAULT_MODEL_ID);
  });

  it('explains schema violations field by field', async () => {
    const dir = await installCopy('bad-schema', (m) => {
      m.scale = 'four';
      m.tile = { mode: 'stretchy' };
      m.colour = 'typo';
    });
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_MANIFEST_INVALID');
    expect(error.path).toBe(path.join(dir, 'manifest.json'));
    const problems = error.details?.problems as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        'scale: expected number, received string',
        'the manifest has unknown field(s) "colour"; remove them or check their spelling',
        expect.stringMatching(/^tile\.mode must be one of the allowed values/),
      ]),
    );
    expect(error.message).toContain('scale: expected number, received string');
  });

  it('reports a manifest that is not JSON', async () => {
    const dir = await installCopy('not-json');
    await fs.writeFile(path.join(dir, 'manifest.json'), '{ "id": ');
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_MANIFEST_INVALID');
    expect(error.message).toMatch(/is not valid JSON/);
  });

  it('reports a folder without a manifest', async () => {
    const dir = path.join(root, 'empty');
    await fs.mkdir(dir);
    expect((await loadError(dir)).code).toBe('MODEL_FILE_MISSING');
  });

  it('reports a listed file that is missing', async () => {
    const dir = await installCopy('missing');
    await fs.rm(path.join(dir, 'model.onnx'));
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_FILE_MISSING');
    expect(error.path).toBe(path.join(dir, 'model.onnx'));
  });

  it('reports a file of the wrong size', async () => {
    const dir = await installCopy('truncated');
    const file = path.join(dir, 'model.onnx');
    await fs.truncate(file, 100);
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_CHECKSUM_MISMATCH');
    expect(error.details).toMatchObject({ actualBytes: 100 });
    expect(error.message).toMatch(/100 bytes but the manifest says \d+/);
  });

  it('reports a file whose content differs at the same size', async () => {
    const dir = await installCopy('tampered');
    const file = path.join(dir, 'model.onnx');
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await fs.writeFile(file, bytes);
    const error = await loadError(dir);
    expect(error.code).toBe('MODEL_CHECKSUM_MISMATCH');
    expect(error.details).toHaveProperty('expectedSha256');
  });
});

describe('listModels', () => {
  it('returns the good models and the problems of the bad ones, bundled before user', async () => {
    await installCopy('good');
    await installCopy('broken', (m) => delete m.io, 'user');
    await installCopy('user-good', (m) => (m.id = 'user-model'), 'user');
    const listing = await listModels({ bundledDir: path.join(root, 'bundled'), userDir: path.join(root, 'user'), digestCacheFile: undefined });
    expect(listing.models.map((m) => [m.id, m.source])).toEqual([
      ['generic-x4-tiny', 'bundled'],
      ['user-model', 'user'],
    ]);
    expect(listing.problems).toHaveLength(1);
    expect(listing.problems[0]).toMatchObject({ dir: path.join(root, 'user', 'broken'), source: 'user', error: { code: 'MODEL_MANIFEST_INVALID' } });
  });

  it('refuses a user model that reuses an installed id', async () => {
    await installCopy('a');
    await installCopy('b', () => undefined, 'user');
    const listing = await listModels({ bundledDir: path.join(root, 'bundled'), userDir: path.join(root, 'user'), digestCacheFile: undefined });
    expect(listing.models).toHaveLength(1);
    expect(listing.problems[0]?.error.message).toMatch(/already used by/);
  });

  it('treats missing folders as empty', async () => {
    const listing = await listModels({ bundledDir: path.join(root, 'nope'), userDir: undefined, digestCacheFile: undefined });
    expect(listing).toEqual({ models: [], problems: [] });
  });

  it('remembers digests by path, size and mtime across runs', async () => {
    const dir = await installCopy('cached');
    const store = path.join(root, 'digests.json');
    const locations = { bundledDir: path.join(root, 'bundled'), userDir: undefined, digestCacheFile: store };
    expect((await listModels(locations)).models).toHaveLength(1);
    const saved = JSON.parse(await fs.readFile(store, 'utf8')) as { entries: Record<string, { sha256: string }> };
    const key = path.join(dir, 'model.onnx');
    expect(saved.entries[key]?.sha256).toMatch(/^[0-9a-f]{64}$/);

    // A fresh cache trusts the store while size and mtime match: poison it to prove the file is not re-hashed.
    saved.entries[key] = { ...saved.entries[key], sha256: '0'.repeat(64) } as { sha256: string };
    await fs.writeFile(store, JSON.stringify(saved));
    const poisoned = await listModels(locations, new FileDigestCache(store));
    expect(poisoned.problems[0]?.error.code).toBe('MODEL_CHECKSUM_MISMATCH');

    // Touching the file changes its mtime, so it is hashed again and found good.
    const later = new Date(Date.now() + 5000);
    await fs.utimes(key, later, later);
    expect((await listModels(locations, new FileDigestCache(store))).models).toHaveLength(1);
  });
});

describe('findModel', () => {
  it('names the installed models when the id is unknown', async () => {
    const listing = { models: [await loadModelFolder(FIXTURE, 'bundled')], problems: [] };
    expect(findModel(listing, 'generic-x4-tiny').id).toBe('generic-x4-tiny');
    expect(() => findModel(listing, 'nope')).toThrow(/No model "nope" is installed; available: generic-x4-tiny/);
  });

  it("gives a broken model's own problem rather than 'not found'", async () => {
    await installCopy('broken', (m) => delete m.io);
    const listing = await listModels({ bundledDir: path.join(root, 'bundled'), userDir: undefined, digestCacheFile: undefined });
    expect(() => findModel(listing, 'broken')).toThrow(expect.objectContaining({ code: 'MODEL_MANIFEST_INVALID' }));
  });
});

describe('resolveModelLocations', () => {
  it('uses arguments, then environment variables, then the package and data folders', () => {
    const env = { TINYSR_NATIVE_MODELS: '/env/bundled', TINYSR_USER_MODELS: '/env/user', XDG_DATA_HOME: '/xdg' };
    expect(resolveModelLocations({ bundledDir: '/arg' }, env)).toMatchObject({ bundledDir: path.resolve('/arg'), userDir: path.resolve('/env/user') });
    const defaults = resolveModelLocations({}, {});
    expect(defaults.bundledDir).toBe(path.join(packageRoot(), 'native-models'));
  });
});
