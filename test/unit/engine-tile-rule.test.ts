import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTiling } from '../../electron/core/engine/tile-rule.js';
import { packageRoot } from '../../electron/core/models/index.js';
import { ManifestSchema, type Manifest } from '../../electron/core/shared/manifest.js';

function fixture(id: string): Manifest {
  return ManifestSchema.parse(JSON.parse(fs.readFileSync(path.join(packageRoot(), 'test', 'fixtures', 'models', id, 'manifest.json'), 'utf8')));
}

const generic = fixture('generic-x4-tiny'); // free: multiples of 1 from 16 to 512, default 64, overlap 8
const tinysr = fixture('tinysr-tiny'); // fixed 128, overlap 16

describe('resolveTiling', () => {
  it("takes the manifest's defaults", () => {
    expect(resolveTiling(generic, {})).toEqual({ tile: 64, overlap: 8 });
    expect(resolveTiling(tinysr, {})).toEqual({ tile: 128, overlap: 16 });
  });

  it('caps the default overlap at a third of a small tile', () => {
    expect(resolveTiling(generic, { tile: 18 })).toEqual({ tile: 18, overlap: 6 });
  });

  it('accepts a free-size tile within the rule and the caller overlap', () => {
    expect(resolveTiling(generic, { tile: 200, overlap: 20 })).toEqual({ tile: 200, overlap: 20 });
  });

  it.each([
    [generic, { tile: 8 }, /Tile size 8 does not suit model "generic-x4-tiny": it takes multiples of 1 from 16 to 512 px/],
    [generic, { tile: 1024 }, /from 16 to 512/],
    [tinysr, { tile: 64 }, /only accepts 128 px tiles \(tile size 64 was asked for\)/],
    [generic, { tile: 32, overlap: 32 }, /Overlap 32 px must be smaller than the 32 px tile/],
  ])('rejects %#', (manifest, requested, message) => {
    expect(() => resolveTiling(manifest, requested)).toThrow(message);
  });
});
