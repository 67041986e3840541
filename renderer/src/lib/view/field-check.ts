// Checks a typed number against the contract's own schema for that setting, in the field, before anything is sent:
// a value the service would refuse gets a sentence for people beside the field (not the service's
// "Invalid arguments for settings/set: defaults.quality" after the fact), and nothing is saved.
//
// May import: zod (types), electron/core/shared.
import type { z } from 'zod';

export type FieldCheck = { ok: true; value: number } | { ok: false; message: string };

/** `text` as a whole number that `schema` accepts, or why not in words built from `label` and the range. */
export function checkWholeNumber(text: string, schema: z.ZodType<number>, label: string, range: { min: number; max?: number }): FieldCheck {
  const value = Number(text.trim());
  if (text.trim() !== '' && Number.isFinite(value) && schema.safeParse(value).success) return { ok: true, value };
  const span = range.max === undefined ? `${range.min} or more` : `from ${range.min} to ${range.max}`;
  return { ok: false, message: `${label} is a whole number ${span}.` };
}
