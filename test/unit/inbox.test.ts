// Browser mode's upload inbox: names made safe, a second file of the same name kept beside the first, an upload over
// the limit refused without a partial file, and session folders nothing uses any more removed.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Inbox, sanitiseFileName } from '../../electron/core/api/inbox.js';
import { makeTempDir, removeTempDir } from '../helpers/images.js';

let dir: string;
beforeEach(async () => (dir = await makeTempDir('inbox')));
afterEach(async () => removeTempDir(dir));

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

describe('sanitiseFileName', () => {
  it('keeps the last segment only and drops what no file system takes', () => {
    expect(sanitiseFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitiseFileName('C:\\Users\\me\\photo.jpg')).toBe('photo.jpg');
    expect(sanitiseFileName('a<b>c:d"e|f?g*h\u0001.png')).toBe('a_b_c_d_e_f_g_h_.png');
    expect(sanitiseFileName('..hidden.png.')).toBe('hidden.png');
    expect(sanitiseFileName('CON.png')).toBe('_CON.png');
    expect(sanitiseFileName('')).toBe('upload');
    expect(sanitiseFileName(`${'x'.repeat(300)}.jpeg`)).toBe(`${'x'.repeat(115)}.jpeg`);
    expect(sanitiseFileName('fotó 写真.tif')).toBe('fotó 写真.tif');
  });
});

describe('Inbox', () => {
  it('streams uploads into its session folder, never over an earlier file', async () => {
    const inbox = new Inbox(path.join(dir, 'inbox'));
    const first = await inbox.receive('../photo.png', chunks('ab', 'c'));
    const second = await inbox.receive('photo.png', chunks('second'));
    expect(path.dirname(first)).toBe(inbox.folder);
    expect([path.basename(first), path.basename(second)]).toEqual(['photo.png', 'photo (2).png']);
    expect(await fs.readFile(first, 'utf8')).toBe('abc');
  });

  it('refuses an upload over the limit and keeps nothing of it', async () => {
    const inbox = new Inbox(path.join(dir, 'inbox'), 4);
    await expect(inbox.receive('big.png', chunks('abc', 'de'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"big.png" is larger than') });
    expect(await fs.readdir(inbox.folder)).toEqual([]);
  });

  it('removes the session folders no queued item is in', async () => {
    const old = new Inbox(path.join(dir, 'inbox'));
    const kept = await old.receive('kept.png', chunks('k'));
    const gone = new Inbox(path.join(dir, 'inbox'));
    await gone.receive('gone.png', chunks('g'));
    await new Inbox(path.join(dir, 'inbox')).removeUnused([kept]);
    expect(await fs.readdir(path.join(dir, 'inbox'))).toEqual([path.basename(old.folder)]);
  });
});
