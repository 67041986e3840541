import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../electron/cli/args.js';

describe('parseCommandLine', () => {
  it('parses upscale with defaults', () => {
    expect(parseCommandLine(['upscale', 'a.jpg', 'photos', '-o', 'out'])).toEqual({
      command: 'upscale',
      inputs: ['a.jpg', 'photos'],
      outputDir: 'out',
      model: undefined,
      format: 'png',
      quality: undefined,
      tile: undefined,
      overlap: undefined,
      provider: 'auto',
      threads: 0,
      recursive: false,
      existing: 'fail',
      nameTemplate: undefined,
      metadata: 'keep',
      maxMegapixels: undefined,
    });
  });

  it('parses every upscale option', () => {
    const command = parseCommandLine([
      'upscale', 'dir', '--output', 'out dir', '--model', 'generic-x4-tiny', '--format', 'JPG', '--quality', '85', '--tile', '96',
      '--overlap', '12', '--provider', 'cpu', '--threads', '2', '-r', '--skip-existing', '--name-template', '{name}-big.{ext}', '--strip-metadata',
      '--max-megapixels', '250',
    ]);
    expect(command).toMatchObject({
      outputDir: 'out dir',
      model: 'generic-x4-tiny',
      format: 'jpeg',
      quality: 85,
      tile: 96,
      overlap: 12,
      provider: 'cpu',
      threads: 2,
      recursive: true,
      existing: 'skip',
      nameTemplate: '{name}-big.{ext}',
      maxMegapixels: 250,
      metadata: 'strip',
    });
    expect(parseCommandLine(['upscale', 'a.png', '-o', 'o', '--overwrite'])).toMatchObject({ existing: 'overwrite' });
  });

  it.each([
    [['upscale', '-o', 'out'], /at least one image file or folder/],
    [['upscale', 'a.jpg'], /-o\/--output <dir> is required/],
    [['upscale', 'a.jpg', '-o', 'o', '--quality', '0'], /--quality expects a whole number from 1 to 100, got "0"/],
    [['upscale', 'a.jpg', '-o', 'o', '--tile', '12.5'], /--tile expects a whole number from 1 up, got "12.5"/],
    [['upscale', 'a.jpg', '-o', 'o', '--format', 'bmp'], /--format expects one of png, jpeg, webp, tiff, avif, got "bmp"/],
    [['upscale', 'a.jpg', '-o', 'o', '--provider', 'tpu'], /--provider expects one of auto, cuda, dml, coreml, webgpu, cpu/],
    [['upscale', 'a.jpg', '-o', 'o', '--skip-existing', '--overwrite'], /--skip-existing and --overwrite cannot be used together/],
    [['upscale', 'a.jpg', '-o', 'o', '--keep-metadata', '--strip-metadata'], /--keep-metadata and --strip-metadata/],
    [['upscale', 'a.jpg', '-o', 'o', '--colour'], /tinysr upscale: Unknown option '--colour'/],
    [['upscale', 'a.jpg', '-o'], /tinysr upscale: Option '-o, --output <value>' argument missing/],
    [['models', 'extra'], /takes no file arguments/],
    [['frobnicate'], /Unknown command "frobnicate"/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it('parses models, probe and help', () => {
    expect(parseCommandLine(['models', '--json'])).toEqual({ command: 'models', json: true, model: undefined });
    expect(parseCommandLine(['probe', '-m', 'x'])).toEqual({ command: 'probe', json: false, model: 'x' });
    expect(parseCommandLine([])).toEqual({ command: 'help', topic: undefined });
    expect(parseCommandLine(['--help'])).toEqual({ command: 'help', topic: undefined });
    expect(parseCommandLine(['help', 'upscale'])).toEqual({ command: 'help', topic: 'upscale' });
    expect(parseCommandLine(['upscale', '--help'])).toEqual({ command: 'help', topic: 'upscale' });
  });
});
