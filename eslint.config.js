// Lint, including the layering rules that keep the architecture honest: each folder lists what it may not import.
// The folder layout is the architecture (see README "Layout"); a violation fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Import patterns a layer must not use, with the reason shown in the lint error. */
const forbid = (patterns) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map(([group, message]) => ({ group, message })) }],
});

const NATIVE = [['sharp', 'onnxruntime-node'], 'Pure layers stay free of native modules (image IO lives in core/imageio, inference in core/engine).'];
const NODE_IO = [['node:fs', 'node:fs/*', 'fs', 'node:child_process', 'node:worker_threads'], 'Pure layers do no I/O.'];
const ELECTRON = [['electron'], 'Only electron/main and electron/preload may import electron.'];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-electron/**', 'node_modules/**', 'training/**', 'out/**', 'renderer/dist/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['electron/core/**/*.ts', 'electron/cli/**/*.ts'],
    rules: forbid([ELECTRON, [['**/renderer/**'], 'The core never imports the renderer.']]),
  },
  {
    files: ['electron/core/shared/**/*.ts'],
    rules: forbid([NATIVE, NODE_IO, ELECTRON, [['../*/**', '!../shared/**'], 'shared imports nothing else from the core.']]),
  },
  {
    files: ['electron/core/tiling/**/*.ts'],
    rules: forbid([NATIVE, NODE_IO, ELECTRON, [['../imageio/**', '../models/**', '../engine/**'], 'tiling is pure math: it knows no images, files or models.']]),
  },
  {
    files: ['electron/core/imageio/**/*.ts'],
    rules: forbid([[['onnxruntime-node'], 'imageio decodes and encodes; inference lives in core/engine.'], ELECTRON, [['../engine/**', '../models/**'], 'imageio does not know about models or the engine.']]),
  },
  {
    files: ['electron/core/models/**/*.ts'],
    rules: forbid([[['sharp'], 'models reads manifests and files only.'], ELECTRON, [['../engine/**', '../imageio/**'], 'models does not depend on the engine or image IO.']]),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: forbid([NATIVE, NODE_IO, ELECTRON, [['**/electron/core/*/**', '!**/electron/core/shared/**', '**/electron/main/**', '**/electron/preload/**'], 'The renderer talks to a Backend; it imports only the shared contract.']]),
  },
);
