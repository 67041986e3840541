// Builds the renderer (Svelte 5) into renderer/dist: the same files serve the Electron window (loaded from disk, hence
// relative asset URLs) and browser mode (served by `tinysr serve`). The dev server proxies /api to a running server.
//
//   npx vite build --config renderer/vite.config.ts
//   TINYSR_API=http://127.0.0.1:PORT npx vite --config renderer/vite.config.ts   (dev, against `tinysr serve`)
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const rendererRoot = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env.TINYSR_API;

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: apiTarget === undefined ? {} : { proxy: { '/api': { target: apiTarget, changeOrigin: false } } },
});
