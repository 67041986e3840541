// Model discovery: every `<folder>/<model>/manifest.json` in the bundled and the user models folders, validated
// against the manifest schema (the contract in core/shared/manifest.ts) with each listed file's size and sha256
// checked. A listing carries the good models and, for each bad folder, an AppError that says what is wrong.
//
// May import: node:fs, node:path, core/shared, ./file-digest, ./default-model.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describeIssues } from '../shared/describe-issues.js';
import { AppError, toAppError, type AppErrorData } from '../shared/errors.js';
import { ManifestSchema, type Manifest, type ModelFile } from '../shared/manifest.js';
import { DEFAULT_MODEL_ID } from './default-model.js';
import { FileDigestCache } from './file-digest.js';
import type { ModelLocations } from './locations.js';

export type ModelSource = 'bundled' | 'user';
export type Precision = 'fp32' | 'fp16';

export interface InstalledModel {
  id: string;
  manifest: Manifest;
  /** Absolute path of the model folder. */
  dir: string;
  source: ModelSource;
  /** Absolute paths of the verified ONNX files. */
  files: { fp32: string; fp16?: string | undefined };
  /** True for models with random-init weights: test fixtures, not photo enhancers. Shown wherever models are listed. */
  untrained: boolean;
  isDefault: boolean;
  /** Human label, e.g. `Real-ESRGAN compact x4 (realesrgan-x4fast)`, with the untrained warning when it applies. */
  label: string;
}

export interface ModelProblem {
  dir: string;
  source: ModelSource;
  error: AppErrorData;
}

export interface ModelListing {
  models: InstalledModel[];
  problems: ModelProblem[];
}

export const UNTRAINED_LABEL = 'random-init: untrained test weights, output is not a real upscale';

function modelLabel(manifest: Manifest): string {
  const base = `${manifest.name} (${manifest.id})`;
  return manifest.provenance.weights === 'random-init' ? `${base} [${UNTRAINED_LABEL}]` : base;
}

async function readManifest(manifestPath: string): Promise<Manifest> {
  let text: string;
  try {
    text = await fs.readFile(manifestPath, 'utf8');
  } catch (err) {
    throw new AppError('MODEL_FILE_MISSING', `No readable manifest.json at ${manifestPath}: every model folder needs one (see native-models/manifest.schema.json).`, {
      path: manifestPath,
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AppError('MODEL_MANIFEST_INVALID', `${manifestPath} is not valid JSON: ${(err as Error).message}.`, { path: manifestPath });
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues, 'the manifest');
    throw new AppError(
      'MODEL_MANIFEST_INVALID',
      `${manifestPath} does not match the manifest schema (native-models/manifest.schema.json): ${problems.join('; ')}.`,
      { path: manifestPath, details: { problems } },
    );
  }
  return parsed.data;
}

async function verifyFile(dir: string, file: ModelFile, digests: FileDigestCache): Promise<string> {
  const filePath = path.join(dir, file.path);
  let stat;
  try {
    stat = await fs.stat(filePath);
  } catch {
    throw new AppError('MODEL_FILE_MISSING', `The manifest lists ${file.path} but ${filePath} does not exist; copy the file next to manifest.json.`, {
      path: filePath,
    });
  }
  if (stat.size !== file.bytes) {
    throw new AppError(
      'MODEL_CHECKSUM_MISMATCH',
      `${filePath} is ${stat.size} bytes but the manifest says ${file.bytes}: the file is truncated or a different version; re-copy or re-export it.`,
      { path: filePath, details: { expectedBytes: file.bytes, actualBytes: stat.size } },
    );
  }
  const sha256 = await digests.digest(filePath, stat);
  if (sha256 !== file.sha256) {
    throw new AppError(
      'MODEL_CHECKSUM_MISMATCH',
      `${filePath} has sha256 ${sha256} but the manifest says ${file.sha256}: the file is corrupt or does not belong to this manifest.`,
      { path: filePath, details: { expectedSha256: file.sha256, actualSha256: sha256 } },
    );
  }
  return filePath;
}

/** Reads and verifies one model folder; throws an AppError (MODEL_*) that says what is wrong. */
export async function loadModelFolder(dir: string, source: ModelSource, digests = new FileDigestCache()): Promise<InstalledModel> {
  const manifest = await readManifest(path.join(dir, 'manifest.json'));
  const fp32 = await verifyFile(dir, manifest.files.fp32, digests);
  const fp16 = manifest.files.fp16 ? await verifyFile(dir, manifest.files.fp16, digests) : undefined;
  return {
    id: manifest.id,
    manifest,
    dir: path.resolve(dir),
    source,
    files: { fp32, fp16 },
    untrained: manifest.provenance.weights === 'random-init',
    isDefault: manifest.id === DEFAULT_MODEL_ID,
    label: modelLabel(manifest),
  };
}

async function modelFolders(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch {
    return []; // a models folder that does not exist yet simply holds no models
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => path.join(root, e.name))
    .sort();
}

/** All models in the bundled folder, then the user folder. A user model may not reuse a bundled id. */
export async function listModels(locations: ModelLocations, digests = new FileDigestCache(locations.digestCacheFile)): Promise<ModelListing> {
  const listing: ModelListing = { models: [], problems: [] };
  const roots: [string | undefined, ModelSource][] = [
    [locations.bundledDir, 'bundled'],
    [locations.userDir, 'user'],
  ];
  for (const [root, source] of roots) {
    if (!root) continue;
    for (const dir of await modelFolders(root)) {
      try {
        const model = await loadModelFolder(dir, source, digests);
        const taken = listing.models.find((m) => m.id === model.id);
        if (taken) {
          throw new AppError('MODEL_MANIFEST_INVALID', `Model id "${model.id}" in ${dir} is already used by ${taken.dir}; give this model another id.`, {
            path: path.join(dir, 'manifest.json'),
          });
        }
        listing.models.push(model);
      } catch (err) {
        listing.problems.push({ dir, source, error: toAppError(err, 'MODEL_LOAD_FAILED', dir).toJSON() });
      }
    }
  }
  await digests.flush();
  return listing;
}

/** The model with `id`; MODEL_NOT_FOUND names the installed ids, or the reason when that model's folder is broken. */
export function findModel(listing: ModelListing, id: string): InstalledModel {
  const model = listing.models.find((m) => m.id === id);
  if (model) return model;
  const broken = listing.problems.find((p) => path.basename(p.dir) === id);
  if (broken) throw AppError.fromJSON(broken.error);
  const known = listing.models.map((m) => m.id);
  throw new AppError(
    'MODEL_NOT_FOUND',
    `No model "${id}" is installed; available: ${known.length ? known.join(', ') : 'none'} (run \`tinysr models\` to list them).`,
    { details: { id, available: known } },
  );
}
