// Each model's measured speed on this machine, kept across restarts in the data folder's `model-speeds.json`, so a
// model card can say how long a photo takes here before anything ran in this session. The queue measures (tile
// throughput per model); this file only remembers the last measurement per model.
//
// May import: node:path, zod, core/shared, core/settings (JsonDocument).
import path from 'node:path';
import { z } from 'zod';
import { JsonDocument } from '../settings/index.js';
import { ModelSpeedSchema, type ModelSpeed } from '../shared/api.js';

export const MODEL_SPEEDS_FILE = 'model-speeds.json';

const StoredSpeedsSchema = z.object({ version: z.literal(1), speeds: z.record(z.string(), ModelSpeedSchema) }).strict();

export class ModelSpeeds {
  private constructor(
    private readonly document: JsonDocument<typeof StoredSpeedsSchema>,
    private readonly speeds: Map<string, ModelSpeed>,
  ) {}

  /** Reads the file; a missing or damaged one starts empty (the speeds are measured again). */
  static async open(dataDir: string): Promise<ModelSpeeds> {
    const document = new JsonDocument(path.join(dataDir, MODEL_SPEEDS_FILE), StoredSpeedsSchema, 'model speeds');
    const loaded = await document.load(() => ({ version: 1 as const, speeds: {} }));
    return new ModelSpeeds(document, new Map(Object.entries(loaded.value.speeds)));
  }

  get(model: string): ModelSpeed | undefined {
    return this.speeds.get(model);
  }

  /** Remembers the measured speeds (only the ones that changed are news) and saves when any did. */
  async record(measured: ReadonlyMap<string, ModelSpeed>): Promise<void> {
    let changed = false;
    for (const [model, speed] of measured) {
      const known = this.speeds.get(model);
      if (known?.msPerMegapixel === speed.msPerMegapixel && known.provider === speed.provider) continue;
      this.speeds.set(model, speed);
      changed = true;
    }
    if (changed) await this.document.save({ version: 1, speeds: Object.fromEntries(this.speeds) });
  }
}
