// Output file names: templates with {name}, {model}, {scale} and {ext}, rendered into one safe file name (never a
// path), and the output path in an output folder. Pure string logic (node:path only for basename/join).
//
// May import: node:path, ../shared.

import path from 'node:path';
import { AppError } from '../shared/errors.js';
import type { OutputFormat } from './types.js';

export const NAME_PLACEHOLDERS = ['name', 'model', 'scale', 'ext'] as const;
type Placeholder = (typeof NAME_PLACEHOLDERS)[number];

/** photo.jpg upscaled x4 by tinysr-x4 to PNG -> photo_tinysr-x4_x4.png */
export const DEFAULT_NAME_TEMPLATE = '{name}_{model}_x{scale}.{ext}';

export interface NameFields {
  /** The input file name without its extension. */
  name: string;
  model: string;
  scale: number;
  /** The output extension without the dot (see outputExtension). */
  ext: string;
}

export interface OutputPathOptions {
  template?: string | undefined;
  model: string;
  scale: number;
  format: OutputFormat;
}

const PLACEHOLDER_PATTERN = /\{([^{}]*)\}/g;
// Characters no file system we ship to accepts in a name (Windows is the strictest), plus control characters.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[<>:"/\\|?*\u0000-\u001f]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;
const MAX_NAME_BYTES = 255;

const EXTENSIONS: Record<OutputFormat, string> = { png: 'png', jpeg: 'jpg', webp: 'webp', tiff: 'tif', avif: 'avif' };

export function outputExtension(format: OutputFormat): string {
  return EXTENSIONS[format];
}

/** Throws INVALID_ARGUMENT naming the template when it is empty, has unknown or unbalanced placeholders, or lacks {name}. */
export function validateNameTemplate(template: string): void {
  const invalid = (what: string): AppError =>
    new AppError('INVALID_ARGUMENT', `Name template "${template}" ${what}. Use the placeholders ${NAME_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}, e.g. "${DEFAULT_NAME_TEMPLATE}".`, {
      details: { argument: 'nameTemplate', template },
    });
  if (template.trim() === '') throw invalid('is empty');
  const unknown = [...template.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1] ?? '').filter((p) => !(NAME_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0) throw invalid(`has unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `{${p}}`).join(', ')}`);
  if (/[{}]/.test(template.replace(PLACEHOLDER_PATTERN, ''))) throw invalid('has an unbalanced "{" or "}"');
  // Without {name} every input of a batch would write the same file.
  if (!template.includes('{name}')) throw invalid('does not contain {name}, so every file of a batch would get the same name');
  if (/[/\\]/.test(template)) throw invalid('contains a path separator; it names a file, the output folder is chosen separately');
}

/**
 * Renders a template into a file name. When the template has no {ext}, ".ext" is appended so the name always says
 * its format. Characters unsafe in file names are replaced by "_"; the result is never empty, ".", "..", a Windows
 * device name, or longer than 255 bytes (the stem is shortened, the extension kept).
 */
export function renderName(template: string, fields: NameFields): string {
  validateNameTemplate(template);
  const values: Record<Placeholder, string> = { name: fields.name, model: fields.model, scale: String(fields.scale), ext: fields.ext };
  let rendered = template.replace(PLACEHOLDER_PATTERN, (_, key: string) => values[key as Placeholder]);
  const suffix = `.${fields.ext}`;
  if (!template.includes('{ext}')) rendered += suffix;
  return safeFileName(rendered, rendered.endsWith(suffix) ? suffix : '');
}

/** The output path for `inputPath` in `outputDir`: the rendered template joined to the folder. */
export function resolveOutputPath(inputPath: string, outputDir: string, options: OutputPathOptions): string {
  const name = path.basename(inputPath, path.extname(inputPath));
  const fileName = renderName(options.template ?? DEFAULT_NAME_TEMPLATE, { name, model: options.model, scale: options.scale, ext: outputExtension(options.format) });
  return path.join(outputDir, fileName);
}

function safeFileName(rendered: string, keptSuffix: string): string {
  let stem = rendered.slice(0, rendered.length - keptSuffix.length).replace(UNSAFE_CHARACTERS, '_');
  const suffix = keptSuffix.replace(UNSAFE_CHARACTERS, '_');
  // Trailing dots and spaces vanish on Windows; leading dots would hide the file on Unix.
  stem = stem.replace(/[. ]+$/, '').replace(/^\.+/, '');
  if (stem === '' || WINDOWS_RESERVED.test(stem)) stem = `_${stem}`;
  while (Buffer.byteLength(stem + suffix, 'utf8') > MAX_NAME_BYTES) stem = Array.from(stem).slice(0, -1).join('');
  return stem + suffix;
}
