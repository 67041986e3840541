// The app's settings on disk: `settings.json` in the data folder, validated on load (a damaged or outdated file falls
// back to the defaults and says why), changed by patches that are validated before they are saved atomically.
// The schema and defaults are in core/shared/settings.ts (the renderer sees them); this module owns the file.
//
//   const store = await SettingsStore.open(dataDir);   // store.settings, store.loadProblem
//   const next = await store.update({ defaults: { format: 'webp' } });   // INVALID_ARGUMENT names the bad field
//
// May import: node:path, zod, core/shared, core/imageio (pure ./naming: name template validation), ./json-document.
import path from 'node:path';
import { z } from 'zod';
import { validateNameTemplate } from '../imageio/naming.js';
import { describeIssues } from '../shared/describe-issues.js';
import { AppError, toAppError, type AppErrorData } from '../shared/errors.js';
import { applySettingsPatch, DEFAULT_SETTINGS, SettingsSchema, type Settings, type SettingsPatch } from '../shared/settings.js';
import { JsonDocument } from './json-document.js';

export { JsonDocument, type LoadedDocument } from './json-document.js';

export const SETTINGS_FILE = 'settings.json';

/**
 * A file written by an older version lacks the fields added since: take them from the defaults, so an upgrade keeps
 * the user's choices. Anything present is still validated.
 */
const StoredSettingsSchema = z.preprocess((raw) => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const stored = raw as Record<string, unknown>;
  const defaults = typeof stored.defaults === 'object' && stored.defaults !== null ? stored.defaults : {};
  return { ...DEFAULT_SETTINGS, ...stored, defaults: { ...DEFAULT_SETTINGS.defaults, ...defaults } };
}, SettingsSchema);

export class SettingsStore {
  /** The update in flight, if any: the next one waits for it. */
  private updating: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly document: JsonDocument<typeof StoredSettingsSchema>,
    private current: Settings,
    /** Why the file on disk was not used, when it was not. */
    readonly loadProblem: AppErrorData | undefined,
  ) {}

  static async open(dataDir: string): Promise<SettingsStore> {
    const document = new JsonDocument(path.join(dataDir, SETTINGS_FILE), StoredSettingsSchema, 'settings');
    const loaded = await document.load(() => structuredClone(DEFAULT_SETTINGS));
    try {
      return new SettingsStore(document, checkSettings(loaded.value), loaded.problem);
    } catch (error) {
      // Schema-valid but unusable (e.g. a hand-edited name template): the defaults, and why.
      const problem = toAppError(error);
      const message = `The settings file ${document.file} has an unusable value (${problem.message}); the defaults are used until the settings are saved again.`;
      return new SettingsStore(document, structuredClone(DEFAULT_SETTINGS), { code: problem.code, message, path: document.file });
    }
  }

  get settings(): Settings {
    return this.current;
  }

  get file(): string {
    return this.document.file;
  }

  /**
   * Applies a patch, validates the result (schema and name template), saves it and returns it. Updates run one after
   * another, each on the settings the previous one saved: concurrent patches of different fields all land, in the
   * order they were made (reading `current` before an earlier save finished would drop that save's change).
   */
  update(patch: SettingsPatch): Promise<Settings> {
    const next = this.updating.then(async () => {
      const updated = checkSettings(applySettingsPatch(this.current, patch));
      await this.document.save(updated);
      this.current = updated;
      return updated;
    });
    // A refused patch fails only its own caller; the next one starts from the last saved settings.
    this.updating = next.catch(() => undefined);
    return next;
  }
}

/** The settings if valid, else INVALID_ARGUMENT naming the field. */
export function checkSettings(candidate: unknown): Settings {
  const parsed = SettingsSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new AppError('INVALID_ARGUMENT', `Invalid settings: ${describeIssues(parsed.error.issues, 'settings').join('; ')}.`, { details: { argument: 'settings' } });
  }
  validateNameTemplate(parsed.data.defaults.nameTemplate);
  if (parsed.data.defaults.outputDir !== null && !path.isAbsolute(parsed.data.defaults.outputDir)) {
    throw new AppError('INVALID_ARGUMENT', `The output folder must be a full path such as /home/you/Upscaled, C:\\Upscaled or ~/Upscaled; "${parsed.data.defaults.outputDir}" is relative.`, {
      details: { argument: 'defaults.outputDir' },
    });
  }
  return parsed.data;
}
