// Lint, including the layering rules that keep the architecture honest: each folder lists what it may not import.
// The folder layout is the architecture (see README "Layout"); a violation fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';

/**
 * Imports a layer must not use, with the reason shown in the lint error. Bare module names ('sharp', 'electron') are
 * matched exactly; entries containing a slash or a glob are path patterns.
 */
const forbid = (rules) => {
  const isModuleName = (spec) => /^(node:)?[a-z@][\w.-]*$/.test(spec);
  const paths = [];
  const patterns = [];
  for (const [specs, message] of rules) {
    for (const spec of specs.filter(isModuleName)) paths.push({ name: spec, message });
    const globs = specs.filter((spec) => !isModuleName(spec));
    if (globs.length) patterns.push({ group: globs, message });
  }
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
};

const NATIVE = [['sharp', 'onnxruntime-node'], 'Pure layers stay free of native modules (image IO lives in core/imageio, inference in core/engine).'];
const NODE_IO = [['node:fs', 'node:fs/*', 'fs', 'node:child_process', 'node:worker_threads'], 'Pure layers do no I/O.'];
const ELECTRON = [['electron'], 'Only electron/main and electron/preload may import electron.'];
/** Modules that load sharp or onnxruntime when imported (imageio's index loads them all; import its pure files instead). */
const NATIVE_BACKED = [
  [
    'sharp',
    'onnxruntime-node',
    '**/imageio/index.js',
    '**/imageio/probe.js',
    '**/imageio/decode.js',
    '**/imageio/encode.js',
    '**/imageio/alpha.js',
    '**/imageio/region.js',
    '**/engine/engine.js',
    '**/engine/image-requests.js',
    '**/engine/session-cache.js',
    '**/engine/providers.js',
    '**/engine/worker-main.js',
  ],
  "Electron's main process never decodes images or runs a model (design.md, Processes): ask the engine (inspect, preview, upscale) and import imageio's pure files (types, naming, atomic, formats, scan).",
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-electron/**', 'node_modules/**', 'training/**', 'out/**', 'renderer/dist/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
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
    // The API service and what it owns run in Electron's main process (and the browser-mode server's): no native modules.
    files: ['electron/core/api/**/*.ts', 'electron/core/queue/**/*.ts', 'electron/core/settings/**/*.ts', 'electron/core/server/**/*.ts'],
    rules: forbid([NATIVE_BACKED, ELECTRON, [['**/renderer/**'], 'The core never imports the renderer.']]),
  },
  {
    files: ['electron/main/**/*.ts'],
    rules: forbid([NATIVE_BACKED]),
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
