// One user session: `tinysr serve` started, Chromium launched, the printed URL opened. `close()` stops both the way
// a user would (close the browser, Ctrl-C the server) and returns the server's exit code.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { makeTempDir, removeTempDir } from '../../helpers/images.js';
import { StudioPage } from '../pages/studio-page.js';
import { launchChromium } from './chromium.js';
import { SCREENSHOTS, startServe, type ServeOptions, type ServeProcess } from './serve-process.js';

export interface StudioSession {
  serve: ServeProcess;
  browser: Browser;
  studio: StudioPage;
  close(): Promise<number | null>;
}

export async function openStudio(options: ServeOptions): Promise<StudioSession> {
  const serve = await startServe(options);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const studio = new StudioPage(await context.newPage());
    await studio.open(serve.url);
    const opened = browser;
    return {
      serve,
      browser: opened,
      studio,
      async close() {
        await opened.close();
        return serve.stop();
      },
    };
  } catch (err) {
    await browser?.close();
    await serve.stop();
    throw err;
  }
}

/**
 * When a test fails, keeps what explains it: the server's output on stderr and a screenshot of the window in
 * test-results/e2e-screenshots/failed-<test>.png. Call once per file, in its describe.
 */
export function keepEvidenceOnFailure(current: () => StudioSession | undefined): void {
  afterEach(async (context) => {
    const session = current();
    if (context.task.result?.state !== 'fail' || session === undefined) return;
    console.error(`--- tinysr serve output (${context.task.name}) ---\n${session.serve.output()}`);
    const name = context.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await fs.mkdir(SCREENSHOTS, { recursive: true });
    await session.studio.page.screenshot({ path: path.join(SCREENSHOTS, `failed-${name}.png`) }).catch(() => undefined);
  });
}

/** What `useStudio` opens for a suite: read its fields inside tests (they are set before the first one runs). */
export interface StudioSuite {
  /** The suite's temp folder (the server's data folder and home are inside it); removed after the suite. */
  dir: string;
  session: StudioSession;
}

/**
 * The studio most e2e files share: a fresh temp folder, `tinysr serve` with its data folder and home there, and
 * Chromium on it, opened before the suite's first test and closed after its last (the server must exit 0), with the
 * evidence of a failing test kept. Call once, in the describe.
 */
export function useStudio(): StudioSuite {
  const suite = {} as StudioSuite;
  keepEvidenceOnFailure(() => suite.session);
  beforeAll(async () => {
    suite.dir = await makeTempDir();
    suite.session = await openStudio({ dataDir: path.join(suite.dir, 'data'), homeDir: suite.dir });
  });
  afterAll(async () => {
    expect(await suite.session?.close()).toBe(0);
    await removeTempDir(suite.dir);
  });
  return suite;
}
