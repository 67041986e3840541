// Settings on disk: defaults when there is no file, a damaged or invalid file falls back to the defaults and says why,
// an older file keeps the user's choices and gains new fields, changes are validated before they are saved atomically.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../electron/core/settings/index.js';
import { applySettingsPatch, DEFAULT_SETTINGS, resolveItemSettings, SettingsSchema } from '../../electron/core/shared/settings.js';
import { makeTempDir, removeTempDir } from '../helpers/images.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await makeTempDir('settings');
  file = path.join(dir, 'settings.json');
});
afterEach(async () => {
  await removeTempDir(dir);
});

describe('settings schema', () => {
  it('the defaults are valid settings', () => {
    expect(SettingsSchema.parse(DEFAULT_SETTINGS)).toEqual(DEFAULT_SETTINGS);
  });

  it('patches merge into the defaults; item overrides win over the defaults', () => {
    const next = applySettingsPatch(DEFAULT_SETTINGS, { defaults: { format: 'webp', quality: undefined }, theme: 'dark' });
    expect(next).toMatchObject({ theme: 'dark', recursive: true, defaults: { format: 'webp', quality: DEFAULT_SETTINGS.defaults.quality } });
    expect(resolveItemSettings(next.defaults, { format: 'jpeg', tile: undefined })).toMatchObject({ format: 'jpeg', tile: null });
  });
});

describe('SettingsStore', () => {
  it('starts from the defaults when there is no file, and saves changes that a new store reads back', async () => {
    const store = await SettingsStore.open(dir);
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
    expect(store.loadProblem).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    const outputDir = path.join(dir, 'out');
    await store.update({ defaults: { outputDir, overwrite: 'skip' }, recursive: false });
    const reopened = await SettingsStore.open(dir);
    expect(reopened.settings).toMatchObject({ recursive: false, defaults: { outputDir, overwrite: 'skip', format: 'png' } });
    expect((await fs.readdir(dir)).filter((f) => f !== 'settings.json')).toEqual([]); // no temp files left behind
  });

  it('rejects an invalid change naming the field, and keeps the previous settings', async () => {
    const store = await SettingsStore.open(dir);
    await expect(store.update({ defaults: { nameTemplate: 'out.png' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('{name}') });
    await expect(store.update({ defaults: { outputDir: 'relative/folder' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('full path') });
    await expect(store.update({ defaults: { quality: 0 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('defaults.quality') });
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
    expect(existsSync(file)).toBe(false);
  });

  it('falls back to the defaults, with the reason, for a damaged file, an invalid one, or an unusable value', async () => {
    await fs.writeFile(file, '{"version": 1, "defaults": ');
    let store = await SettingsStore.open(dir);
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
    expect(store.loadProblem).toMatchObject({ path: file, message: expect.stringContaining('not valid JSON') });

    await fs.writeFile(file, JSON.stringify({ ...DEFAULT_SETTINGS, theme: 'purple' }));
    store = await SettingsStore.open(dir);
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
    expect(store.loadProblem?.message).toContain('theme');

    await fs.writeFile(file, JSON.stringify({ ...DEFAULT_SETTINGS, defaults: { ...DEFAULT_SETTINGS.defaults, nameTemplate: '{nope}.png' } }));
    store = await SettingsStore.open(dir);
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
    expect(store.loadProblem?.message).toContain('{nope}');
  });

  it('merges concurrent updates of different fields, in order, and a refused one loses nothing else', async () => {
    const store = await SettingsStore.open(dir);
    // Issue 12: three parallel settings/set calls kept only one change.
    const results = await Promise.allSettled([
      store.update({ defaults: { format: 'webp' } }),
      store.update({ theme: 'dark' }),
      store.update({ defaults: { quality: 0 } }),
      store.update({ recursive: false }),
      store.update({ defaults: { format: 'jpeg' } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const expected = { theme: 'dark', recursive: false, defaults: { format: 'jpeg', quality: DEFAULT_SETTINGS.defaults.quality } };
    expect(store.settings).toMatchObject(expected);
    expect((await SettingsStore.open(dir)).settings).toMatchObject(expected);
  });

  it('removes the temp file a process killed mid-save left beside the settings, and nothing else', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has ended: its pid writes nothing
    const orphan = path.join(dir, `.tinysr-settings.json.${gone}-0123456789ab.tmp.json`);
    const live = path.join(dir, `.tinysr-settings.json.${process.pid}-0123456789ab.tmp.json`);
    const unrelated = path.join(dir, '.tinysr-notes.txt');
    for (const file of [orphan, live, unrelated]) {
      await fs.writeFile(file, '{"version": 1');
      await fs.utimes(file, new Date(0), new Date(0));
    }
    await SettingsStore.open(dir);
    expect((await fs.readdir(dir)).sort()).toEqual([path.basename(live), path.basename(unrelated)].sort());
  });

  it('keeps the choices of a file written before newer fields existed', async () => {
    await fs.writeFile(file, JSON.stringify({ version: 1, defaults: { format: 'jpeg', quality: 80 } }));
    const store = await SettingsStore.open(dir);
    expect(store.loadProblem).toBeUndefined();
    expect(store.settings).toEqual({ ...DEFAULT_SETTINGS, defaults: { ...DEFAULT_SETTINGS.defaults, format: 'jpeg', quality: 80 } });
  });
});
