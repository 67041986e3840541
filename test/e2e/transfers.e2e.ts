// Browser mode's files in and out, against the real server: a page never learns the paths of the user's files, so
// files picked in "Add files…" and dropped from the desktop are uploaded into the server's inbox (names made safe, a
// non-image refused with the reason), upscaled, and the results come back as downloads: one result as it is on disk,
// and every result as one ZIP.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, readMetadata, removeTempDir, writeTestImage } from '../helpers/images.js';
import { readStoredZip } from '../helpers/zip-reader.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { keepEvidenceOnFailure, openStudio, type StudioSession } from './support/session.js';

const MODEL = 'generic-x4-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: upload and download', () => {
  let dir: string;
  let out: string;
  let session: StudioSession;
  const bytesOf = async (name: string, options: Parameters<typeof writeTestImage>[1]): Promise<Buffer> => fs.readFile(await writeTestImage(path.join(dir, 'desktop', name), options));

  keepEvidenceOnFailure(() => session);

  beforeAll(async () => {
    dir = await makeTempDir();
    out = path.join(dir, 'out');
    session = await openStudio({ dataDir: path.join(dir, 'data'), homeDir: dir });
  });

  afterAll(async () => {
    expect(await session?.close()).toBe(0);
    await removeTempDir(dir);
  });

  it('uploads picked and dropped files into the server inbox under safe names, refusing a non-image with the reason', async () => {
    const { studio } = session;
    await studio.settings.chooseModel(MODEL);
    await studio.settings.setOutputFolder(out);
    await studio.uploads.pick([
      { name: 'picked.png', bytes: await bytesOf('picked.png', { width: 32, height: 24, format: 'png' }) },
      { name: 'holiday.jpg', bytes: await bytesOf('holiday.jpg', { width: 20, height: 16, format: 'jpeg' }) },
    ]);
    await studio.uploads.drop([
      { name: '../drop?d.webp', bytes: await bytesOf('dropped.webp', { width: 24, height: 24, format: 'webp' }) },
      { name: 'notes.png', bytes: Buffer.from('not an image at all') },
    ]);
    for (const name of ['picked.png', 'holiday.jpg', 'drop_d.webp']) await studio.queue.waitForState(name, 'queued');
    expect(await studio.queue.items().count()).toBe(3);
    const [refusal] = await studio.uploads.rejected();
    expect(refusal).toMatch(/^notes\.png — .*image/);
    const inbox = path.join(dir, 'data', 'inbox');
    const [session0] = await fs.readdir(inbox);
    expect((await fs.readdir(path.join(inbox, session0!))).sort()).toEqual(['drop_d.webp', 'holiday.jpg', 'picked.png']);
    await screenshotSizes(studio.page, 'upload');
  });

  it('downloads one result as written, and every result as one ZIP', async () => {
    const { studio } = session;
    await studio.queue.start();
    for (const name of ['picked.png', 'holiday.jpg', 'drop_d.webp']) await studio.queue.waitForState(name, 'done');
    const written = (await fs.readdir(out)).sort();
    expect(written).toEqual([`drop_d_${MODEL}_x4.png`, `holiday_${MODEL}_x4.png`, `picked_${MODEL}_x4.png`]);

    const one = await studio.downloads.result(studio.queue.item('picked.png'));
    expect(one.name).toBe(`picked_${MODEL}_x4.png`);
    expect(one.bytes).toEqual(await fs.readFile(path.join(out, `picked_${MODEL}_x4.png`)));
    await fs.writeFile(path.join(dir, one.name), one.bytes);
    expect(await readMetadata(path.join(dir, one.name))).toMatchObject({ width: 128, height: 96 });

    const zip = await studio.downloads.all();
    expect(zip.name).toBe('tinysr-results.zip');
    const entries = readStoredZip(zip.bytes);
    expect(entries.map((entry) => entry.name).sort()).toEqual(written);
    for (const entry of entries) expect(entry.data).toEqual(await fs.readFile(path.join(out, entry.name)));
    await screenshotSizes(studio.page, 'download');
  });
});
