// Debian's Chromium for the end-to-end tests, launched through playwright-core (which never downloads a browser here).
// Missing Chromium fails the run in CI (CI=true) with the install command, and skips locally with a loud warning.
//
// Flags: headless without a GPU or sandbox (CI containers run as root), and no background networking, component
// updates, sync or QUIC, which would otherwise try to reach Google's servers from a machine with a closed network.
// playwright-core gives every launch a fresh, temporary user-data dir.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.TINYSR_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const MISSING = `Chromium was not found at ${CHROMIUM_PATH}. The end-to-end tests drive Debian's Chromium: install it with \`sudo apt-get install -y chromium\` (or point TINYSR_CHROMIUM at a Chromium binary).`;

/** True when the e2e tests can run; in CI a missing Chromium is an error, not a skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(MISSING);
  console.warn(`\n*** END-TO-END TESTS SKIPPED *** ${MISSING}\n`);
  return false;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
