// Screenshots of a flow at the two window sizes the UI is checked at (a small laptop and a full-HD screen), written to
// test-results/e2e-screenshots/<name>-<width>x<height>.png for a person to look at; no test compares them.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENSHOTS } from './serve-process.js';

export const SCREEN_SIZES = [
  { width: 1024, height: 700 },
  { width: 1920, height: 1080 },
] as const;

/**
 * Screenshots `page` at each size, then puts the viewport back as it was. `settings`: the flow is in the settings,
 * so a narrow window shows them in their drawer (opened as a user would, from the header).
 */
export async function screenshotSizes(page: Page, name: string, { settings = false }: { settings?: boolean } = {}): Promise<void> {
  const before = page.viewportSize();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  for (const size of SCREEN_SIZES) {
    await page.setViewportSize(size);
    const toggle = page.locator('[data-testid="toggle-settings"]');
    if (settings && (await toggle.isVisible()) && (await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${size.width}x${size.height}.png`) });
  }
  if (before) await page.setViewportSize(before);
}
