// The model cards, against the real engine: each says in words what the model is for and how long a photo takes on
// this computer; before a model ran it says it has not been timed, after a run the measured time is shown, and it is
// still there after the server restarts (kept in the data folder), without reloading the tab. A user adds their own
// ONNX model from the UI: it is run, checked and copied into the user models folder, then upscales like any other;
// a file that is not a model is refused with the reason and leaves nothing behind.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../electron/core/models/index.js';
import { makeTempDir, readMetadata, removeTempDir, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { startServe, type ServeProcess } from './support/serve-process.js';
import { keepEvidenceOnFailure, openStudio, type StudioSession } from './support/session.js';

const MODEL = 'generic-x4-tiny';

describe.skipIf(!chromiumAvailable())('browser mode: model cards', () => {
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
    else await session?.serve.stop();
    await removeTempDir(dir);
  });

  it('tells each model in words, with its speed on this computer once measured, kept across a server restart', async () => {
    const { studio, serve } = session;
    const card = await studio.settings.modelCard(MODEL);
    expect(card.speed).toBe('Not timed on this computer yet: its first image or preview times it.');
    expect(card.text).not.toMatch(/MAC|parameters/);

    await studio.settings.chooseModel(MODEL);
    await studio.settings.setOutputFolder(path.join(dir, 'out'));
    await studio.add.addPaths([await writeTestImage(path.join(dir, 'timed.png'), { width: 96, height: 64, format: 'png' })]);
    await studio.queue.start();
    await studio.queue.waitForState('timed.png', 'done');

    // Stopped and started again: the tab reconnects by itself and reloads the models from the new server process.
    expect(await serve.stop()).toBe(0);
    await studio.connection.waitForLost();
    restarted = await startServe({ dataDir: path.join(dir, 'data'), homeDir: dir, args: ['--port', new URL(serve.origin).port] });
    await studio.connection.waitForRestored();
    await expect.poll(async () => (await studio.settings.modelCard(MODEL)).speed, { timeout: 30_000 }).toMatch(/^(About .*|Under a second) for a 12 MP photo on the CPU, as measured on this computer\.$/);
    await screenshotSizes(studio.page, 'model-cards', { settings: true });
  });

  it('adds the user\'s own ONNX model from the UI, which then upscales; a file that is not a model is refused', async () => {
    const { studio } = session;
    const onnx = await fs.readFile(path.join(packageRoot(), 'test', 'fixtures', 'models', 'generic-x4-tiny', 'model.onnx'));
    expect(await studio.settings.addModel({ name: 'Holiday Sharpener.onnx', bytes: onnx })).toBe('Added “Holiday Sharpener” under Your models.');
    const card = await studio.settings.modelCard('holiday-sharpener');
    expect(card.text).toMatch(/Your own ×4 model, added from Holiday Sharpener\.onnx/);
    expect(await fs.readdir(path.join(dir, 'user models'))).toEqual(['holiday-sharpener']);
    await screenshotSizes(studio.page, 'model-added', { settings: true });

    expect(await studio.settings.addModel({ name: 'notes.onnx', bytes: Buffer.from('not a model') })).toMatch(/^Not added: notes\.onnx is not an ONNX model/);
    expect(await fs.readdir(path.join(dir, 'user models'))).toEqual(['holiday-sharpener']);

    await studio.settings.chooseModel('holiday-sharpener');
    await studio.add.addPaths([await writeTestImage(path.join(dir, 'mine.png'), { width: 24, height: 16, format: 'png' })]);
    await studio.queue.start();
    await studio.queue.waitForState('mine.png', 'done');
    expect(await readMetadata(path.join(dir, 'out', 'mine_holiday-sharpener_x4.png'))).toMatchObject({ width: 96, height: 64 });
  });
});
