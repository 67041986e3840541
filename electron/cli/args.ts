// Command-line parsing: argv -> one typed command, or a usage error that names the offending argument. Pure (no I/O),
// built on node:util parseArgs.
//
// May import: node:util, core/shared.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_MEGAPIXELS, OutputFormatSchema, ProviderNameSchema, type OutputFormat, type ProviderChoice } from '../core/shared/engine-protocol.js';

export interface UpscaleCommand {
  command: 'upscale';
  inputs: string[];
  outputDir: string;
  model: string | undefined;
  format: OutputFormat;
  quality: number | undefined;
  tile: number | undefined;
  overlap: number | undefined;
  provider: ProviderChoice;
  threads: number;
  recursive: boolean;
  existing: 'fail' | 'skip' | 'overwrite';
  nameTemplate: string | undefined;
  metadata: 'keep' | 'strip';
  /** Largest input accepted, in megapixels; undefined: the engine's default (100). */
  maxMegapixels: number | undefined;
}

export interface ListCommand {
  command: 'models' | 'probe';
  json: boolean;
  model?: string | undefined;
}

export interface HelpCommand {
  command: 'help';
  topic: 'upscale' | 'models' | 'probe' | undefined;
}

export type Command = UpscaleCommand | ListCommand | HelpCommand;

/** A wrong command line: the message names the argument and says what was expected. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const COMMON = { help: { type: 'boolean', short: 'h' } } as const;

const UPSCALE_OPTIONS = {
  ...COMMON,
  output: { type: 'string', short: 'o' },
  model: { type: 'string', short: 'm' },
  format: { type: 'string', short: 'f' },
  quality: { type: 'string', short: 'q' },
  tile: { type: 'string' },
  overlap: { type: 'string' },
  provider: { type: 'string', short: 'p' },
  threads: { type: 'string' },
  recursive: { type: 'boolean', short: 'r' },
  'skip-existing': { type: 'boolean' },
  overwrite: { type: 'boolean' },
  'name-template': { type: 'string' },
  'keep-metadata': { type: 'boolean' },
  'strip-metadata': { type: 'boolean' },
  'max-megapixels': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const LIST_OPTIONS = { ...COMMON, json: { type: 'boolean' }, model: { type: 'string', short: 'm' } } as const satisfies ParseArgsConfig['options'];

function parse<O extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`tinysr ${command}: ${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '.')}`);
  }
}

function integer(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} expects a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${value}".`);
  }
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const normalised = value.toLowerCase() === 'jpg' && allowed.includes('jpeg' as T) ? 'jpeg' : value.toLowerCase();
  if (!(allowed as readonly string[]).includes(normalised)) throw new UsageError(`--${name} expects one of ${allowed.join(', ')}, got "${value}".`);
  return normalised as T;
}

function exclusive(a: string, b: string, values: Record<string, unknown>): void {
  if (values[a] && values[b]) throw new UsageError(`--${a} and --${b} cannot be used together; choose one.`);
}

function parseUpscale(args: string[]): Command {
  const { values, positionals } = parse('upscale', args, UPSCALE_OPTIONS);
  if (values.help) return { command: 'help', topic: 'upscale' };
  if (positionals.length === 0) throw new UsageError('tinysr upscale: give at least one image file or folder.');
  if (!values.output) throw new UsageError('tinysr upscale: -o/--output <dir> is required (the folder the upscaled files go to).');
  exclusive('skip-existing', 'overwrite', values);
  exclusive('keep-metadata', 'strip-metadata', values);
  if (values['name-template'] !== undefined && values['name-template'].trim() === '') throw new UsageError('--name-template must not be empty.');
  return {
    command: 'upscale',
    inputs: positionals,
    outputDir: values.output,
    model: values.model,
    format: oneOf('format', values.format, OutputFormatSchema.options, 'png'),
    quality: integer('quality', values.quality, 1, 100),
    tile: integer('tile', values.tile, 1),
    overlap: integer('overlap', values.overlap, 0),
    provider: oneOf<ProviderChoice>('provider', values.provider, ['auto', ...ProviderNameSchema.options], 'auto'),
    threads: integer('threads', values.threads, 0, 256) ?? 0,
    recursive: values.recursive ?? false,
    existing: values['skip-existing'] ? 'skip' : values.overwrite ? 'overwrite' : 'fail',
    nameTemplate: values['name-template'],
    metadata: values['strip-metadata'] ? 'strip' : 'keep',
    maxMegapixels: integer('max-megapixels', values['max-megapixels'], 1, MAX_MEGAPIXELS),
  };
}

function parseList(command: 'models' | 'probe', args: string[]): Command {
  const { values, positionals } = parse(command, args, LIST_OPTIONS);
  if (values.help) return { command: 'help', topic: command };
  if (positionals.length > 0) throw new UsageError(`tinysr ${command} takes no file arguments, got "${positionals.join(' ')}".`);
  if (command === 'models' && values.model !== undefined) throw new UsageError('tinysr models has no --model option.');
  return { command, json: values.json ?? false, model: values.model };
}

export function parseCommandLine(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help', topic: rest[0] === 'upscale' || rest[0] === 'models' || rest[0] === 'probe' ? rest[0] : undefined };
    case 'upscale':
      return parseUpscale(rest);
    case 'models':
    case 'probe':
      return parseList(command, rest);
    default:
      throw new UsageError(`Unknown command "${command}"; expected upscale, models, probe or serve (see tinysr --help).`);
  }
}
