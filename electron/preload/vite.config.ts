// Bundles the preload into dist-electron/preload/preload.cjs: one CommonJS file with the contract's id guards inlined
// and `electron` left to the sandbox's require (a sandboxed preload cannot load local modules or ESM).
//
//   npx vite build --config electron/preload/vite.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  build: {
    lib: { entry: fileURLToPath(new URL('./preload.ts', import.meta.url)), formats: ['cjs'], fileName: () => 'preload.cjs' },
    outDir: fileURLToPath(new URL('../../dist-electron/preload', import.meta.url)),
    // tsc emits main's compiled files into dist-electron as well: keep them.
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rollupOptions: { external: ['electron'] },
  },
});
