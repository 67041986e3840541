// `tinysr models [--json]`: the installed models, flagged default / untrained, and what is wrong with broken ones.
// Exit code 1 when any model folder is broken, so a script notices.
//
// May import: core/models, core/shared, ../*.
import { listModels, resolveModelLocations, type InstalledModel, type ModelListing } from '../../core/models/index.js';
import type { ListCommand } from '../args.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { table } from '../table.js';

function tileText(model: InstalledModel): string {
  const rule = model.manifest.tile;
  return rule.mode === 'fixed' ? `${rule.size} fixed` : `${rule.default} (${rule.min}-${rule.max}/${rule.multipleOf})`;
}

function jsonListing(listing: ModelListing) {
  return {
    models: listing.models.map((m) => ({
      id: m.id,
      name: m.manifest.name,
      version: m.manifest.version,
      family: m.manifest.family,
      scale: m.manifest.scale,
      tile: m.manifest.tile,
      colorFix: m.manifest.colorFix,
      source: m.source,
      dir: m.dir,
      default: m.isDefault,
      weights: m.manifest.provenance.weights,
      untrained: m.untrained,
      label: m.label,
      license: m.manifest.license.id,
      quality: m.manifest.quality,
    })),
    problems: listing.problems,
  };
}

export async function runModels(command: ListCommand, io: CliIo): Promise<ExitCode> {
  const locations = resolveModelLocations();
  const listing = await listModels(locations);
  if (command.json) {
    io.stdout.write(`${JSON.stringify(jsonListing(listing), null, 2)}\n`);
  } else {
    io.stdout.write(`Models in ${locations.bundledDir}${locations.userDir ? ` and ${locations.userDir}` : ''}:\n`);
    const rows = listing.models.map((m) => [
      `${m.id}${m.isDefault ? ' *' : ''}`,
      m.manifest.name,
      `x${m.manifest.scale}`,
      tileText(m),
      m.source,
      m.untrained ? 'RANDOM-INIT (untrained test weights)' : m.manifest.provenance.weights,
    ]);
    io.stdout.write(rows.length ? table(['id', 'name', 'scale', 'tile (LR px)', 'source', 'weights'], rows) : '  (none)\n');
    if (listing.models.some((m) => m.isDefault)) io.stdout.write('* default model\n');
    if (listing.problems.length) {
      io.stdout.write(`\n${listing.problems.length} broken model folder(s):\n`);
      for (const p of listing.problems) io.stdout.write(`  ${p.dir}: ${p.error.code}: ${p.error.message}\n`);
    }
  }
  return listing.problems.length ? EXIT.someFailed : EXIT.ok;
}
