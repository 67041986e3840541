// The committed models verify: the bundled default and the test fixtures pass schema, size and sha256 checks, so a
// stale manifest or a re-exported file without a new manifest fails here rather than at a user's first run.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_ID, listModels, packageRoot } from '../../electron/core/models/index.js';

const ROOT = packageRoot();

describe('committed models', () => {
  it('the bundled folder holds the default model, verified, and nothing broken', async () => {
    const listing = await listModels({ bundledDir: path.join(ROOT, 'native-models'), userDir: undefined, digestCacheFile: undefined });
    expect(listing.problems).toEqual([]);
    const model = listing.models.find((m) => m.id === DEFAULT_MODEL_ID);
    expect(model).toMatchObject({ isDefault: true, source: 'bundled' });
  });

  it('the test fixtures verify and are labelled untrained', async () => {
    const listing = await listModels({ bundledDir: path.join(ROOT, 'test', 'fixtures', 'models'), userDir: undefined, digestCacheFile: undefined });
    expect(listing.problems).toEqual([]);
    expect(listing.models.map((m) => m.id).sort()).toEqual(['generic-x4-tiny', 'tinysr-tiny']);
    for (const model of listing.models) expect(model).toMatchObject({ untrained: true, label: expect.stringContaining('random-init') });
  });
});
