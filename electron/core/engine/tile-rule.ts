// The tile side and overlap a job uses: the caller's choice checked against the model's tile rule, or the manifest's
// defaults. Pure, so the CLI can reject a bad --tile before any file is touched.
//
// May import: core/shared.
import { AppError } from '../shared/errors.js';
import type { Manifest } from '../shared/manifest.js';

export interface TileChoice {
  /** LR tile side. */
  tile: number;
  /** LR overlap between neighbouring tiles. */
  overlap: number;
}

export function resolveTiling(manifest: Manifest, requested: { tile?: number | undefined; overlap?: number | undefined }): TileChoice {
  const rule = manifest.tile;
  let tile: number;
  if (rule.mode === 'fixed') {
    if (requested.tile !== undefined && requested.tile !== rule.size) {
      throw new AppError('INVALID_ARGUMENT', `Model "${manifest.id}" only accepts ${rule.size} px tiles (tile size ${requested.tile} was asked for); leave the tile size unset.`, {
        details: { argument: 'tile', expected: rule.size, actual: requested.tile },
      });
    }
    tile = rule.size;
  } else {
    tile = requested.tile ?? rule.default;
    if (tile < rule.min || tile > rule.max || tile % rule.multipleOf !== 0) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `Tile size ${tile} does not suit model "${manifest.id}": it takes multiples of ${rule.multipleOf} from ${rule.min} to ${rule.max} px.`,
        { details: { argument: 'tile', actual: tile, min: rule.min, max: rule.max, multipleOf: rule.multipleOf } },
      );
    }
  }
  // The manifest's overlap, capped at a third of the tile: beyond that the blend can no longer honour the model's
  // receptive field (see core/tiling/plan.ts).
  const overlap = requested.overlap ?? Math.min(manifest.overlap, Math.floor(tile / 3));
  if (overlap >= tile) {
    throw new AppError('INVALID_ARGUMENT', `Overlap ${overlap} px must be smaller than the ${tile} px tile; choose a smaller overlap.`, {
      details: { argument: 'overlap', actual: overlap, tile },
    });
  }
  return { tile, overlap };
}
