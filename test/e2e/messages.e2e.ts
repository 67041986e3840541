// Messages written for people, against the real engine: a provider fallback is told once per window (not per image)
// in plain words with the engine's own text behind "Details"; the Hardware panel says what each processor needs
// without onnxruntime's internals; a quality out of range is refused in the field with a sentence and nothing is
// saved; and a typed `~/…` output folder means the home folder.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { screenshotSizes } from './support/screenshots.js';
import { useStudio } from './support/session.js';

const MODEL = 'generic-x4-tiny';
/** What the engine's raw words look like: onnxruntime symbols, library file names, source paths. */
const DEVELOPER_WORDS = /Ort[A-Z]|onnxruntime|\.so\b|\.cc\b|\.cpp\b|\/onnxruntime\//;

describe.skipIf(!chromiumAvailable())('browser mode: messages for people', () => {
  const suite = useStudio();

  it('tells a provider fallback once for a batch, in plain words, with the raw text behind Details', async () => {
    const { studio } = suite.session;
    await studio.settings.chooseModel(MODEL);
    await studio.settings.setOutputFolder(path.join(suite.dir, 'out'));
    const photos = await Promise.all(['a.png', 'b.png', 'c.png'].map((name) => writeTestImage(path.join(suite.dir, name), { width: 24, height: 16, format: 'png' })));
    await studio.add.addPaths(photos);
    await studio.queue.start();
    for (const name of ['a.png', 'b.png', 'c.png']) await studio.queue.waitForState(name, 'done');
    const notices = await studio.notices.all();
    const fallbacks = notices.filter((notice) => notice.code === 'provider-fallback');
    // Only where a GPU provider is tried and missing (auto on a machine without one) is there a fallback to tell.
    if (fallbacks.length > 0) {
      expect(fallbacks).toHaveLength(1);
      expect(fallbacks[0]?.text).toMatch(/could not be used here, so images are processed on the CPU instead/);
      expect(fallbacks[0]?.text).not.toMatch(/×\d/);
      expect(fallbacks[0]?.text).not.toMatch(DEVELOPER_WORDS);
      expect(await studio.notices.details('provider-fallback')).toMatch(/not available here/);
    }
    await screenshotSizes(studio.page, 'messages-fallback');
    await studio.notices.dismissAll();
  });

  it('says in the Hardware panel what each processor needs, without onnxruntime internals', async () => {
    const { studio } = suite.session;
    const providers = await studio.hardware.probe();
    expect(providers.find((p) => p.name === 'cpu')?.ok).toBe(true);
    for (const provider of providers) expect(provider.text).not.toMatch(DEVELOPER_WORDS);
    await screenshotSizes(studio.page, 'messages-hardware', { settings: true });
  });

  it('refuses a quality out of range in the field, with a sentence, and saves nothing', async () => {
    const { studio } = suite.session;
    /** The quality in the settings file the server saved. */
    const savedQuality = async (): Promise<number> => JSON.parse(await fs.readFile(path.join(suite.dir, 'data', 'settings.json'), 'utf8')).defaults.quality;
    await studio.settings.chooseFormat('jpeg');
    expect(await studio.settings.typeQuality('150')).toBe('Quality is a whole number from 1 to 100.');
    await screenshotSizes(studio.page, 'messages-quality', { settings: true });
    expect(await savedQuality()).toBe(92);
    expect(await studio.settings.typeQuality('80')).toBeNull();
    expect(await savedQuality()).toBe(80);
  });

  it('takes ~/ in a typed output folder as the home folder', async () => {
    const { studio } = suite.session;
    await studio.settings.setOutputFolder('~/Upscaled by TinySR');
    expect(await studio.settings.outputFolderText()).toBe(path.join(os.homedir(), 'Upscaled by TinySR'));
  });
});
