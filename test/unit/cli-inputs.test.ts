import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandInputs } from '../../electron/cli/inputs.js';

let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr inputs ü-'));
  for (const file of ['b.JPG', 'a.png', 'notes.txt', '.hidden.png', 'sub/c.webp', 'sub/deeper/d.tif', 'out/already_x4.png']) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), '');
  }
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('expandInputs', () => {
  it('takes the images of a folder, sorted, skipping other and hidden files', async () => {
    const { files, missing } = await expandInputs([root], { recursive: false, outputDir: path.join(root, 'out') });
    expect(files).toEqual([
      { path: path.join(root, 'a.png'), relativeDir: '' },
      { path: path.join(root, 'b.JPG'), relativeDir: '' },
    ]);
    expect(missing).toEqual([]);
  });

  it('descends with recursive, keeping relative folders, but never into the output folder', async () => {
    const { files } = await expandInputs([root], { recursive: true, outputDir: path.join(root, 'out') });
    expect(files.map((f) => [path.relative(root, f.path), f.relativeDir])).toEqual([
      ['a.png', ''],
      ['b.JPG', ''],
      [path.join('sub', 'c.webp'), 'sub'],
      [path.join('sub', 'deeper', 'd.tif'), path.join('sub', 'deeper')],
    ]);
  });

  it('keeps named files whatever their extension, drops duplicates, and reports missing paths', async () => {
    const notes = path.join(root, 'notes.txt');
    const { files, missing } = await expandInputs([notes, path.join(root, 'a.png'), root, path.join(root, 'nope.jpg')], { recursive: false, outputDir: 'elsewhere' });
    expect(files.map((f) => path.basename(f.path))).toEqual(['notes.txt', 'a.png', 'b.JPG']);
    expect(missing).toEqual([path.join(root, 'nope.jpg')]);
  });
});
