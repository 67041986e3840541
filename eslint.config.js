// Lint, including the layering rules that keep the architecture honest: each layer lists what it MAY import (an
// allow-list of `**` globs over repository paths and package names, checked by lint/layering.mjs after resolving each
// specifier), so any import not named here fails `npm test`. The folder layout is the architecture (README "Layout");
// test/unit/eslint-layering.test.ts lints probe imports that must fail and must pass against this very config.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import layering from './lint/layering.mjs';

// Building blocks of the allow-lists.
const COMMON = ['electron/common/**'];
const SHARED = ['electron/core/shared/**'];
/** Node builtins that do local work (no network, no processes, no threads). */
const NODE_LOCAL = [
  'node:{path,url,os,crypto,events,util,buffer,assert,stream,stream/promises,timers,timers/promises,perf_hooks,v8,readline,string_decoder}',
  'node:{fs,fs/promises}',
];
/** imageio's files that load no native module (imageio/index, probe, decode, encode, alpha and region load sharp). */
const IMAGEIO_PURE = ['electron/core/imageio/{types,naming,atomic,formats,scan,errors,limits}'];
/** The engine's client side: forks the worker, never loads onnxruntime or sharp itself (test/integration/api-no-native). */
const ENGINE_CLIENT = ['electron/core/engine/index'];

/** One layer: the files it covers, what they may import, and the reason shown with every violation. */
const layer = (name, files, allow, reason, extra = {}) => ({
  name: `layer/${name}`,
  files,
  ...extra,
  plugins: { layering },
  rules: { 'layering/allowed-imports': ['error', { layer: name, allow, reason }] },
});

const LAYERS = [
  layer('common', ['electron/common/**/*.ts'], [...COMMON, ...SHARED], 'common is pure code every environment may import: it imports only itself and the shared contract.'),
  layer('shared', ['electron/core/shared/**/*.ts'], [...SHARED, ...COMMON, 'zod'], 'the shared contract is pure (zod schemas, types): no I/O, no native modules, nothing else from the core.'),
  layer('tiling', ['electron/core/tiling/**/*.ts'], ['electron/core/tiling/**', ...SHARED, ...COMMON], 'tiling is pure math: it knows no images, files, models, queue, server or settings.'),
  layer(
    'models',
    ['electron/core/models/**/*.ts'],
    ['electron/core/models/**', ...SHARED, ...COMMON, 'zod', ...NODE_LOCAL],
    'models reads manifests and files only: no image IO, no inference, no engine.',
  ),
  layer(
    'imageio',
    ['electron/core/imageio/**/*.ts'],
    ['electron/core/imageio/**', ...SHARED, ...COMMON, 'sharp', ...NODE_LOCAL],
    'imageio decodes and encodes with sharp: it knows nothing of models, the engine or inference.',
  ),
  layer(
    'engine',
    ['electron/core/engine/**/*.ts'],
    [
      'electron/core/engine/**',
      'electron/core/{imageio,models,tiling}/**',
      ...SHARED,
      ...COMMON,
      'onnxruntime-node',
      'sharp',
      'zod',
      ...NODE_LOCAL,
      'node:{child_process,worker_threads}',
    ],
    'the engine runs models on images (imageio, models, tiling); it never reaches up into the queue, settings, API, server, CLI or Electron.',
  ),
  // The API service and what it owns run in Electron's main process (and the browser-mode server's): no native modules.
  layer(
    'settings',
    ['electron/core/settings/**/*.ts'],
    ['electron/core/settings/**', ...IMAGEIO_PURE, ...SHARED, ...COMMON, 'zod', ...NODE_LOCAL],
    'settings runs in the main process: no native modules (only imageio\'s pure files), nothing above it.',
  ),
  layer(
    'queue',
    ['electron/core/queue/**/*.ts'],
    ['electron/core/{queue,settings}/**', ...ENGINE_CLIENT, ...IMAGEIO_PURE, ...SHARED, ...COMMON, 'zod', ...NODE_LOCAL],
    "the queue runs in the main process: it asks the engine through its client, imports imageio's pure files only, and knows no API, server or Electron.",
  ),
  layer(
    'api',
    ['electron/core/api/**/*.ts'],
    ['electron/core/{api,queue,settings,models}/**', ...ENGINE_CLIENT, ...IMAGEIO_PURE, ...SHARED, ...COMMON, 'zod', ...NODE_LOCAL],
    "the API service runs in the main process: engine through its client, imageio's pure files only, no server, CLI or Electron.",
  ),
  layer(
    'server',
    ['electron/core/server/**/*.ts'],
    // node:zlib for the CRC-32 of the results ZIP (zip.ts): a Node built-in, not a native module.
    ['electron/core/{server,api}/**', ...SHARED, ...COMMON, 'zod', ...NODE_LOCAL, 'node:{http,net,zlib}'],
    'browser mode serves the API over HTTP: it imports the API and the contract, no native modules, no Electron.',
  ),
  layer(
    'cli',
    ['electron/cli/**/*.ts'],
    ['electron/cli/**', 'electron/core/**', ...COMMON, 'zod', ...NODE_LOCAL],
    'the CLI drives the core from Node: no Electron, no renderer.',
  ),
  layer(
    'main',
    ['electron/main/**/*.ts'],
    [
      'electron/main/**',
      'electron/core/{api,queue,settings,models,server}/**',
      ...ENGINE_CLIENT,
      ...IMAGEIO_PURE,
      ...SHARED,
      ...COMMON,
      'electron',
      'zod',
      ...NODE_LOCAL,
    ],
    "Electron's main process never decodes images or runs a model (design.md, Processes): it asks the engine through its client, imports imageio's pure files only, and shares the IPC bridge through electron/common, not electron/preload.",
  ),
  layer(
    'preload',
    ['electron/preload/**/*.ts'],
    ['electron/preload/**', ...COMMON, ...SHARED, 'electron'],
    'the sandboxed preload is bundled alone: electron, the bridge (common) and the contract only.',
    { ignores: ['electron/preload/vite.config.ts'] },
  ),
  layer(
    'renderer',
    ['renderer/src/**/*.ts', 'renderer/src/**/*.svelte'],
    // zod: the shared contract is zod schemas, so the renderer bundles it anyway and may validate with it.
    ['renderer/src/**', ...COMMON, ...SHARED, 'svelte{,/**}', 'zod'],
    'the renderer is browser code that talks to a Backend: it imports the shared contract, common code, svelte and zod only (no Node, no native modules, no core, main or preload).',
  ),
  // Tests import the code under test from its sources; benchmarks and generators (bench/, scripts/) import the compiled
  // app, so code both need (image statistics) lives in the app (electron/common) and never in bench/.
  layer(
    'tests',
    ['test/**/*.ts'],
    ['test/**', 'electron/**', 'renderer/src/**', 'vitest{,/**}', 'sharp', 'playwright-core', 'eslint', 'electron', 'node:**'],
    'tests import the app (electron/, renderer/src/), their own helpers and fixtures and the test tooling: never bench/ or scripts/ (what a test and a benchmark share belongs in electron/common).',
  ),
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
  { files: ['renderer/**/*.ts', 'renderer/**/*.svelte'], languageOptions: { globals: { ...globals.browser } } },
  ...LAYERS,
);
