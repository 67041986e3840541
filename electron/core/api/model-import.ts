// A model the user adds from the UI: an .onnx file (uploaded in browser mode, picked in Electron) is received into a
// hidden folder in the user models folder, run by the engine to learn what it takes and gives (model-inspection.ts),
// described by a manifest built from that and from the file itself (opset, parameters, sha256), checked by the same
// registry code that lists models, and only then moved into place as `<user models>/<id>/`. Anything that fails
// leaves nothing behind. The manifest says plainly what was assumed (RGB in [0, 1]) and that the licence is unknown.
//
// May import: node:crypto, node:fs, node:path, core/shared, core/models, core/engine (types), ./inbox.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { InspectModelRequest, ModelInspection } from '../engine/index.js';
import { loadModelFolder, readOnnxFacts, sha256OfFile } from '../models/index.js';
import { AppError, isAppError } from '../shared/errors.js';
import { MANIFEST_SCHEMA_VERSION, ManifestSchema, type Manifest } from '../shared/manifest.js';
import { sanitiseFileName } from './inbox.js';

export interface ModelImportEngine {
  inspectModel(request: InspectModelRequest): Promise<ModelInspection>;
}

/** The free tile sizes a user model gets (LR px), rounded to its multiple; the overlap is a safe default. */
const FREE_TILE = { min: 16, max: 1024, default: 256 };
const DEFAULT_OVERLAP = 32;

/** A manifest id from a file name: lowercase letters, digits, dot, dash, underscore, starting with a letter or digit. */
export function modelIdFrom(fileName: string): string {
  const stem = fileName.replace(/\.onnx$/i, '');
  const id = stem
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 56);
  return id === '' ? 'my-model' : id;
}

/**
 * Adds the model `name` whose bytes `receive` writes to the path it is given; returns its id. `taken`: ids already
 * installed (bundled and user), which the new one must not reuse.
 */
export async function importModel(options: {
  userDir: string | undefined;
  name: string;
  receive: (file: string) => Promise<void>;
  engine: ModelImportEngine;
  taken: readonly string[];
}): Promise<string> {
  const { userDir, engine } = options;
  if (userDir === undefined) throw new AppError('INVALID_ARGUMENT', 'This app has no folder for your own models (it runs with bundled models only).');
  const fileName = sanitiseFileName(options.name);
  if (!/\.onnx$/i.test(fileName)) throw new AppError('INVALID_ARGUMENT', `"${fileName}" is not an ONNX model: choose a file whose name ends in .onnx.`, { details: { argument: 'file' } });
  let id = modelIdFrom(fileName);
  const existing = new Set([...options.taken, ...(await fs.readdir(userDir).catch(() => [] as string[]))]);
  for (let n = 2; existing.has(id); n++) id = `${modelIdFrom(fileName)}-${n}`;

  const staging = path.join(userDir, `.adding-${randomUUID()}`);
  await fs.mkdir(staging, { recursive: true });
  try {
    const file = path.join(staging, 'model.onnx');
    await options.receive(file);
    // The file's own structure first: a file that is not ONNX at all is told as such, not as an onnxruntime error.
    const facts = readOnnxFacts(await fs.readFile(file), fileName);
    const inspection = await engine.inspectModel({ file }).catch((error: unknown) => {
      // The engine names the staging path; the user knows the file by its name.
      throw isAppError(error) ? new AppError(error.code, error.message.replaceAll(file, fileName), { path: fileName, cause: error }) : error;
    });
    const manifest = buildManifest({ id, fileName, inspection, facts, sha256: await sha256OfFile(file), bytes: (await fs.stat(file)).size });
    await fs.writeFile(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await loadModelFolder(staging, 'user'); // the registry's own checks: what listing will do with it
    await fs.rename(staging, path.join(userDir, id));
    return id;
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }
}

function buildManifest(input: { id: string; fileName: string; inspection: ModelInspection; facts: { opset: number; params: number }; sha256: string; bytes: number }): Manifest {
  const { id, fileName, inspection, facts } = input;
  const tile: Manifest['tile'] =
    inspection.tile.mode === 'fixed'
      ? { mode: 'fixed', size: inspection.tile.size }
      : (() => {
          const m = inspection.tile.multipleOf;
          const round = (value: number): number => Math.max(m, Math.floor(value / m) * m);
          return { mode: 'free', multipleOf: m, min: Math.max(round(FREE_TILE.min), m), max: round(FREE_TILE.max), default: round(FREE_TILE.default) };
        })();
  const tileSide = tile.mode === 'fixed' ? tile.size : tile.default;
  return ManifestSchema.parse({
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    id,
    name: fileName.replace(/\.onnx$/i, ''),
    version: '1.0.0',
    description: `Added by you from ${fileName}. Assumed to take and give RGB in [0, 1]; a model made for another range or colour order gives wrong colours.`,
    summary: `Your own ×${inspection.scale} model, added from ${fileName}. How well it suits your photos depends on what it was trained for.`,
    family: 'generic-sr',
    scale: inspection.scale,
    files: { fp32: { path: 'model.onnx', sha256: input.sha256, bytes: input.bytes, dtype: 'float32' } },
    io: { input: inspection.input, output: inspection.output, layout: 'NCHW', channels: 3, colorOrder: 'RGB', range: [0, 1], dynamicBatch: inspection.dynamicBatch, opset: facts.opset },
    tile,
    overlap: Math.min(DEFAULT_OVERLAP, Math.floor(tileSide / 4)),
    colorFix: 'none',
    cost: { params: facts.params, tileLr: tileSide, macs: 0, macsWithAttention: 0 },
    license: { id: 'unknown', notes: 'Added by the user: the licence of these weights is whatever their source says.' },
    provenance: {
      weights: 'imported',
      teacher: 'unknown',
      data: 'unknown',
      configHash: input.sha256,
      config: { addedFrom: fileName },
      exporter: 'TinySR Studio (added from the UI)',
      createdAt: new Date().toISOString(),
      parity: { fp32MaxAbsError: 0 },
    },
    quality: [],
  });
}
