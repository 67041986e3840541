// Cancel and pause in the UI against the real engine. Cancelling an image while the engine is inside the model says
// "Cancelling…" at once, ends within a second even when one tile takes longer than that (the engine process is
// stopped between tiles' worth of work), leaves no file behind, partial or temporary, and the queue goes on with the
// next image. Pausing holds the running image after its current tile with its progress and ETA, and resume goes on
// from that tile.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetadata, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { useStudio } from './support/session.js';

const FAST_MODEL = 'generic-x4-tiny';
/** About a second or more per 128 px tile on a 2-core CPU: longer than the cancel may take. */
const SLOW_MODEL = 'tinysr-tiny';
/** The bound for click-to-cancelled. The engine side alone is 150 ms (CANCEL_GRACE_MS) plus a process exit. */
const CANCEL_BOUND_MS = 1000;

describe.skipIf(!chromiumAvailable())('browser mode: cancel and pause', () => {
  const suite = useStudio();

  it('cancels the running image inside a long tile within a second, says so at once, leaves no file, and runs the next one', async () => {
    const { studio } = suite.session;
    const out = path.join(suite.dir, 'out');
    const big = await writeTestImage(path.join(suite.dir, 'big.png'), { width: 384, height: 256, format: 'png' });
    const small = await writeTestImage(path.join(suite.dir, 'small.png'), { width: 20, height: 16, format: 'png' });
    await studio.settings.chooseModel(SLOW_MODEL);
    await studio.settings.setOutputFolder(out);

    await studio.add.addPaths([big, small]);
    await studio.queue.waitForState('small.png', 'queued');
    await studio.queue.start();
    await studio.queue.waitForTileProgress('big.png');
    const tilesAtClick = await studio.queue.progressOf('big.png');
    const clicked = performance.now();
    await studio.queue.cancel('big.png');
    expect(await studio.queue.statusOf('big.png')).toMatchObject({ badge: 'Cancelling…' });
    await studio.queue.waitForState('big.png', 'cancelled');
    const latencyMs = performance.now() - clicked;
    console.info(`cancel: ${Math.round(latencyMs)} ms from click to cancelled, at ${tilesAtClick} % of the image`);
    expect(latencyMs).toBeLessThan(CANCEL_BOUND_MS);

    // The engine runs one job at a time: once the next image is done, a cancelled job that still wrote would have.
    // The listing includes hidden files, so an atomic writer's temp file left behind would show too.
    await studio.queue.waitForState('small.png', 'done');
    expect(await fs.readdir(out)).toEqual([`small_${SLOW_MODEL}_x4.png`]);
    expect(await readMetadata(path.join(out, `small_${SLOW_MODEL}_x4.png`))).toMatchObject({ width: 80, height: 64 });
  });

  it('pauses after the current tile with the progress and ETA kept, and resume goes on from that tile', async () => {
    const { studio } = suite.session;
    const out = path.join(suite.dir, 'out-pause');
    const big = await writeTestImage(path.join(suite.dir, 'pause-me.png'), { width: 640, height: 640, format: 'png' });
    const next = await writeTestImage(path.join(suite.dir, 'after.png'), { width: 20, height: 16, format: 'png' });
    await studio.settings.chooseModel(FAST_MODEL);
    await studio.settings.setOutputFolder(out);
    await studio.add.addPaths([big, next]);
    await studio.queue.waitForState('after.png', 'queued');
    await studio.queue.start();
    await studio.queue.waitForTileProgress('pause-me.png');

    await studio.queue.pause();
    // "Pausing after this tile" shows until the engine stops at the tile's end (on a fast tile it may be gone already).
    await studio.queue.waitForActivity('pause-me.png', 'paused');
    const held = await studio.queue.progressOf('pause-me.png');
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(100);
    const status = await studio.queue.statusOf('pause-me.png');
    expect(status.badge).toBe('Paused');
    expect(status.detail).toMatch(/tile \d+\/\d+ · .* left once resumed/);
    const overall = await studio.queue.overall();
    expect(overall).toMatchObject({ status: 'paused' });
    expect(overall.text).toMatch(/Paused[\s\S]*0\/2 · .* left/);
    await studio.queue.waitForState('after.png', 'queued'); // nothing else started
    await screenshotSizes(studio.page, 'pause');

    await studio.queue.resume();
    await studio.queue.waitForState('pause-me.png', 'done');
    await studio.queue.waitForState('after.png', 'done');
    expect((await fs.readdir(out)).sort()).toEqual([`after_${FAST_MODEL}_x4.png`, `pause-me_${FAST_MODEL}_x4.png`]);
    expect(await readMetadata(path.join(out, `pause-me_${FAST_MODEL}_x4.png`))).toMatchObject({ width: 2560, height: 2560 });
  });
});
