// The store-only ZIP writer behind "download the whole run": every file comes back byte for byte under its UTF-8
// name (read by test/helpers/zip-reader.ts, and by the system's unzip where there is one).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planZip, writeZip } from '../../electron/core/server/zip.js';
import { makeTempDir, removeTempDir } from '../helpers/images.js';
import { readStoredZip } from '../helpers/zip-reader.js';

let dir: string;
beforeEach(async () => (dir = await makeTempDir('zip')));
afterEach(async () => removeTempDir(dir));

async function zipOf(entries: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const files = [];
  for (const [i, entry] of entries.entries()) {
    const file = path.join(dir, `f${i}`);
    await fs.writeFile(file, entry.data);
    files.push({ name: entry.name, file });
  }
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeZip(await planZip(files), out);
  out.end();
  return Buffer.concat(chunks);
}

describe('writeZip', () => {
  it('stores each file byte for byte under its UTF-8 name', async () => {
    const big = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251));
    const entries = [
      { name: 'a_x4.png', data: Buffer.from('first') },
      { name: 'fotó 写真_x4.tif', data: big },
      { name: 'empty.png', data: Buffer.alloc(0) },
    ];
    const zip = await zipOf(entries);
    expect(readStoredZip(zip)).toEqual(entries);
    if (existsSync('/usr/bin/unzip')) {
      const file = path.join(dir, 'out.zip');
      await fs.writeFile(file, zip);
      expect(execFileSync('/usr/bin/unzip', ['-t', file]).toString()).toMatch(/No errors detected/);
    }
  });

  it('writes an empty archive that readers accept', async () => {
    expect(readStoredZip(await zipOf([]))).toEqual([]);
  });
});
