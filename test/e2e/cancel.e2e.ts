// Cancelling an image while the engine is inside the model leaves no file behind, partial or temporary, and the
// queue goes on with the next image.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, readMetadata, removeTempDir, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { keepEvidenceOnFailure, openStudio, type StudioSession } from './support/session.js';

const MODEL = 'generic-x4-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: cancel', () => {
  let dir: string;
  let session: StudioSession;

  keepEvidenceOnFailure(() => session);

  beforeAll(async () => {
    dir = await makeTempDir();
    session = await openStudio({ dataDir: path.join(dir, 'data'), homeDir: dir });
  });

  afterAll(async () => {
    expect(await session?.close()).toBe(0);
    await removeTempDir(dir);
  });

  it('cancels the running image mid-run without leaving a partial file, then runs the next one', async () => {
    const { studio } = session;
    const out = path.join(dir, 'out');
    // Big enough for many tiles, so there is time to cancel between the first tile and the last.
    const big = await writeTestImage(path.join(dir, 'big.png'), { width: 640, height: 640, format: 'png' });
    const small = await writeTestImage(path.join(dir, 'small.png'), { width: 20, height: 16, format: 'png' });
    await studio.settings.chooseModel(MODEL);
    await studio.settings.setOutputFolder(out);

    await studio.add.addPaths([big, small]);
    await studio.queue.waitForState('small.png', 'queued');
    await studio.queue.start();
    await studio.queue.waitForTileProgress('big.png');
    await studio.queue.cancel('big.png');
    await studio.queue.waitForState('big.png', 'cancelled');

    // The engine runs one job at a time: once the next image is done, a cancelled job that still wrote would have.
    // The listing includes hidden files, so an atomic writer's temp file left behind would show too.
    await studio.queue.waitForState('small.png', 'done');
    expect(await fs.readdir(out)).toEqual([`small_${MODEL}_x4.png`]);
    expect(await readMetadata(path.join(out, `small_${MODEL}_x4.png`))).toMatchObject({ width: 80, height: 64 });
  });
});
