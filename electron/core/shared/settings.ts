// The app's settings: the schema (a trust boundary: the file on disk may be old, hand-edited or damaged), the types
// inferred from it, and the defaults. The per-item settings of the queue are the subset in ItemSettingsSchema; an item
// keeps only its own overrides and takes the rest from the global settings at the moment it runs.
// Loading and saving live in core/settings; this file is pure so the renderer can import it.
//
// May import: zod, ./engine-protocol.
import { z } from 'zod';
import { MAX_MEGAPIXELS, OutputFormatSchema, OutputSizeSchema, ProviderChoiceSchema } from './engine-protocol.js';

export const SETTINGS_VERSION = 1;

/** `same`: the input's own format when it can be written (GIF inputs become PNG). */
export const OutputFormatChoiceSchema = z.union([z.literal('same'), OutputFormatSchema]);
export type OutputFormatChoice = z.infer<typeof OutputFormatChoiceSchema>;

/**
 * What to do when the output file already exists:
 * `skip` leaves it and marks the item done as skipped; `overwrite` replaces it (atomically); `rename` writes
 * `name (2).ext`, `name (3).ext`, ... beside it.
 */
export const OverwritePolicySchema = z.enum(['skip', 'overwrite', 'rename']);
export type OverwritePolicy = z.infer<typeof OverwritePolicySchema>;

/** The settings one queue item runs with. Every field can be overridden per item (queue/update-item). */
export const ItemSettingsSchema = z
  .object({
    /** Model id from models/list; null: the app's default model (models/list marks it `isDefault`). */
    model: z.string().min(1).nullable(),
    /** Absolute output folder; null writes into an `upscaled` folder beside each input. */
    outputDir: z.string().min(1).nullable(),
    format: OutputFormatChoiceSchema,
    /** Lossy formats' quality (JPEG, WebP, AVIF); ignored by PNG and TIFF. */
    quality: z.number().int().min(1).max(100),
    /** LR tile side; null takes the model's default (fixed-size models accept only their own size). */
    tile: z.number().int().positive().nullable(),
    /** LR overlap between tiles; null takes the model's recommendation. */
    overlap: z.number().int().min(0).nullable(),
    provider: ProviderChoiceSchema,
    /** File name template with {name}, {model}, {scale}, {ext} (see core/imageio naming). */
    nameTemplate: z.string().min(1),
    metadata: z.enum(['keep', 'strip']),
    overwrite: OverwritePolicySchema,
    /** Largest input accepted, in megapixels (the decompression-bomb guard); raise it for a file you trust. */
    maxMegapixels: z.number().int().min(1).max(MAX_MEGAPIXELS),
    /** The output's size: the model's scale, x2/x3/x4, or a long edge in pixels (see OutputSizeSchema). */
    outputSize: OutputSizeSchema,
  })
  .strict();
export type ItemSettings = z.infer<typeof ItemSettingsSchema>;
export const ITEM_SETTING_KEYS = ItemSettingsSchema.keyof().options;
export type ItemSettingKey = (typeof ITEM_SETTING_KEYS)[number];

/** Per-item overrides: any subset of the item settings. */
export const ItemOverridesSchema = ItemSettingsSchema.partial();
export type ItemOverrides = z.infer<typeof ItemOverridesSchema>;

export const SettingsSchema = z
  .object({
    version: z.literal(SETTINGS_VERSION),
    /** The defaults every queue item starts from. */
    defaults: ItemSettingsSchema,
    /** Whether adding a folder also adds the images in its sub-folders. */
    recursive: z.boolean(),
    theme: z.enum(['system', 'light', 'dark']),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

/** A change to the settings: any top-level field, and any subset of the defaults. */
export const SettingsPatchSchema = z
  .object({
    defaults: ItemOverridesSchema.optional(),
    recursive: z.boolean().optional(),
    theme: z.enum(['system', 'light', 'dark']).optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export const DEFAULT_SETTINGS: Settings = {
  version: SETTINGS_VERSION,
  defaults: {
    model: null,
    outputDir: null,
    format: 'png',
    quality: 92,
    tile: null,
    overlap: null,
    provider: 'auto',
    nameTemplate: '{name}_{model}_x{scale}.{ext}',
    metadata: 'keep',
    overwrite: 'rename',
    maxMegapixels: 100,
    outputSize: { kind: 'model' },
  },
  recursive: true,
  theme: 'system',
};

/** The settings with a patch applied (not validated: callers parse the result with SettingsSchema). */
export function applySettingsPatch(settings: Settings, patch: SettingsPatch): Settings {
  return {
    ...settings,
    ...(patch.recursive === undefined ? {} : { recursive: patch.recursive }),
    ...(patch.theme === undefined ? {} : { theme: patch.theme }),
    defaults: { ...settings.defaults, ...stripUndefined(patch.defaults ?? {}) },
  };
}

/** An item's effective settings: its overrides over the global defaults. */
export function resolveItemSettings(defaults: ItemSettings, overrides: ItemOverrides): ItemSettings {
  return { ...defaults, ...stripUndefined(overrides) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
