// Where models live: the bundled `native-models/` folder (next to package.json in a checkout or an npm install; the
// Electron app passes its resources folder instead) and the user's own models folder. Both are overridable, by
// argument first, then by environment variable, so tests, the CLI and the packaged app each point at their own.
//
// May import: node:path, node:os, node:url.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ModelLocations {
  /** Folder holding `<id>/manifest.json` for the models shipped with the app. */
  bundledDir: string;
  /** Folder holding models the user added; may not exist yet. */
  userDir: string | undefined;
  /** JSON file remembering file digests by path + size + mtime, so startup does not re-hash unchanged files. */
  digestCacheFile: string | undefined;
}

export const ENV_BUNDLED_MODELS = 'TINYSR_NATIVE_MODELS';
export const ENV_USER_MODELS = 'TINYSR_USER_MODELS';

/**
 * The package root: this file is `electron/core/models/locations.ts` in a checkout and `dist/core/models/locations.js`
 * when compiled, three levels below the root either way.
 */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** Per-user data folder (XDG on Linux, Application Support on macOS, %APPDATA% on Windows). */
function userDataDir(env: NodeJS.ProcessEnv): string {
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'TinySR');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'TinySR');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'tinysr');
}

export function resolveModelLocations(
  overrides: Partial<ModelLocations> = {},
  env: NodeJS.ProcessEnv = process.env,
): ModelLocations {
  const dataDir = userDataDir(env);
  return {
    bundledDir: path.resolve(overrides.bundledDir ?? env[ENV_BUNDLED_MODELS] ?? path.join(packageRoot(), 'native-models')),
    userDir: 'userDir' in overrides ? overrides.userDir : path.resolve(env[ENV_USER_MODELS] ?? path.join(dataDir, 'models')),
    digestCacheFile: 'digestCacheFile' in overrides ? overrides.digestCacheFile : path.join(dataDir, 'model-digests.json'),
  };
}
