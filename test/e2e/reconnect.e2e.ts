// A lost server, against the real `tinysr serve`: killed outright (a crash, no goodbye), the open tab says so within
// two seconds and stops showing a running queue; started again on the same port (the token is kept from run to run),
// the same tab reconnects by itself, reloads the saved queue and works without a reload.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { startServe, type ServeProcess } from './support/serve-process.js';
import { keepEvidenceOnFailure, openStudio, type StudioSession } from './support/session.js';

const MODEL = 'generic-x4-tiny';
/** The bound for noticing a lost server; the mechanism is the stream's end (or 2 s of silence). */
const DETECT_BOUND_MS = 2000;

describe.skipIf(!chromiumAvailable())('browser mode: the server goes away and comes back', () => {
  let dir: string;
  let session: StudioSession;
  let restarted: ServeProcess | undefined;

  keepEvidenceOnFailure(() => session);

  beforeAll(async () => {
    dir = await makeTempDir();
    session = await openStudio({ dataDir: path.join(dir, 'data'), homeDir: dir });
  });

  afterAll(async () => {
    await session?.browser.close();
    if (restarted) expect(await restarted.stop()).toBe(0);
    await removeTempDir(dir);
  });

  it('says the server is lost within two seconds, and the same tab reconnects by itself when it is back', async () => {
    const { studio, serve } = session;
    await studio.settings.chooseModel(MODEL);
    await studio.settings.setOutputFolder(path.join(dir, 'out'));
    await studio.add.addPaths([await writeTestImage(path.join(dir, 'kept.png'), { width: 24, height: 16, format: 'png' })]);
    await studio.queue.waitForState('kept.png', 'queued');
    expect(await studio.connection.lost()).toBe(false);

    const killed = performance.now();
    await serve.kill();
    await studio.connection.waitForLost();
    const detectMs = performance.now() - killed;
    console.info(`lost server shown ${Math.round(detectMs)} ms after the kill`);
    expect(detectMs).toBeLessThan(DETECT_BOUND_MS);
    expect((await studio.queue.overall()).status).toBe('disconnected');
    await screenshotSizes(studio.page, 'server-lost');

    restarted = await startServe({ dataDir: path.join(dir, 'data'), homeDir: dir, args: ['--port', new URL(serve.origin).port] });
    expect(restarted.token).toBe(serve.token);
    await studio.connection.waitForRestored();
    await studio.queue.waitForState('kept.png', 'queued'); // reloaded from the restarted server's saved queue
    await studio.queue.start();
    await studio.queue.waitForState('kept.png', 'done');
  });
});
