// End-to-end tests: headless Chromium (playwright-core) against `tinysr serve` with the real engine and the fixture
// models. Run with `npm run test:e2e` (builds the CLI and the renderer first). One file at a time: each starts its own
// server and engine, and the machines this runs on have few cores.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
