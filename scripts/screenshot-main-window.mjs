// The README's picture of the main window: a real `tinysr serve` with the bundled default model, Debian's Chromium
// through playwright-core, examples/photo.jpg added, upscaled and shown in the comparison. Writes
// docs/screenshots/main-window.png (1440 x 900) and main-window-1024x700.png. Run: npm run docs:screenshot
// (after npm run build). Nothing is written outside a temp folder and docs/screenshots/.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import sharp from 'sharp';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'docs', 'screenshots');
const WAIT_MS = 300_000;
const byTestId = (id) => `[data-testid="${id}"]`;

const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'tinysr-screenshot-'));
const serve = spawn(process.execPath, [path.join(ROOT, 'bin', 'tinysr.js'), 'serve', '--port', '0', '--data-dir', path.join(temp, 'data')], {
  cwd: ROOT,
  env: { ...process.env, TINYSR_USER_MODELS: path.join(temp, 'user models'), XDG_DATA_HOME: path.join(temp, 'xdg') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let browser;
try {
  const url = await new Promise((resolve, reject) => {
    let text = '';
    serve.stdout.setEncoding('utf8').on('data', (chunk) => {
      text += chunk;
      const found = /http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+/.exec(text);
      if (found) resolve(found[0]);
    });
    serve.once('exit', (code) => reject(new Error(`tinysr serve exited (${code}) before printing its URL`)));
  });
  browser = await chromium.launch({ executablePath: process.env.TINYSR_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(url);
  await page.locator(byTestId('drop-zone')).waitFor();
  const folder = page.locator(byTestId('output-dir'));
  await folder.fill(path.join(temp, 'Upscaled'));
  await folder.press('Tab');
  await page.locator(byTestId('add-server-paths')).click();
  await page.locator(byTestId('add-paths-input')).fill(path.join(ROOT, 'examples', 'photo.jpg'));
  await page.locator(byTestId('add-paths-submit')).click();
  await page.locator(`${byTestId('queue-item')}[data-state="queued"]`).waitFor({ timeout: WAIT_MS });
  await page.locator(byTestId('queue-start')).click();
  await page.locator(`${byTestId('queue-item')}[data-state="done"]`).waitFor({ timeout: WAIT_MS });
  await page.locator(byTestId('item-select')).first().click();
  // The result has loaded when the <img> is complete with a size (evaluated in the page).
  const after = await page.locator(byTestId('compare-after')).elementHandle({ timeout: WAIT_MS });
  await page.waitForFunction((image) => image.complete && image.naturalWidth > 0, after, { timeout: WAIT_MS });
  for (const dismiss of await page.locator(`${byTestId('notice')} button`).all()) await dismiss.click();
  await page.locator(byTestId('add-paths-input')).waitFor({ state: 'visible' });
  await page.getByRole('button', { name: 'Close' }).click();
  await fs.mkdir(OUT, { recursive: true });
  // A palette PNG: a third of the size, no visible loss on a UI screenshot.
  const save = async (name) => sharp(await page.screenshot()).png({ palette: true, effort: 10 }).toFile(path.join(OUT, name));
  await save('main-window.png');
  await page.setViewportSize({ width: 1024, height: 700 });
  await save('main-window-1024x700.png');
  console.log(`wrote ${path.join(OUT, 'main-window.png')} and main-window-1024x700.png`);
} finally {
  await browser?.close();
  serve.kill('SIGINT');
  await new Promise((resolve) => (serve.exitCode === null ? serve.once('exit', resolve) : resolve()));
  await fs.rm(temp, { recursive: true, force: true });
}
