// Another web page in the same browser cannot use the server: a page on another port of 127.0.0.1 (same site: the
// browser would send it any cookie of 127.0.0.1) tries a form post, a no-cors fetch and an <img> of a queued photo.
// The Origin check refuses both posts (403), the photo never loads there, and the queue is untouched. And that other
// local server never sees the token: not in a cookie, a header or a URL (issue 12: it used to get it as a cookie,
// `tinysr_token_<port>`, which cookies' lack of port isolation sent to every server on 127.0.0.1).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, writeTestImage } from '../helpers/images.js';
import { chromiumAvailable } from './support/chromium.js';
import { keepEvidenceOnFailure, openStudio, type StudioSession } from './support/session.js';

/** The other site's page: it reports what it managed to do in document.title. */
function attackerPage(target: string, image: string): string {
  return `<!doctype html><html><body>
<form id="f" method="post" action="${target}/api/queue/clear" enctype="text/plain" target="sink"><input name='{"which":"all","x":"' value='"}'></form>
<iframe name="sink"></iframe>
<img id="photo" src="${image}">
<script>
  fetch('/collect', { credentials: 'include' });
  document.getElementById('f').submit();
  fetch('${target}/api/queue/clear', { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{"which":"all"}' })
    .finally(() => {
      const photo = document.getElementById('photo');
      const report = () => { document.title = 'done image=' + photo.naturalWidth; };
      if (photo.complete) report(); else { photo.onload = report; photo.onerror = report; }
    });
</script></body></html>`;
}

describe.skipIf(!chromiumAvailable())('browser mode: other pages in the same browser', () => {
  let dir: string;
  let session: StudioSession;
  let attacker: http.Server;

  keepEvidenceOnFailure(() => session);

  beforeAll(async () => {
    dir = await makeTempDir();
    session = await openStudio({ dataDir: path.join(dir, 'data'), homeDir: dir });
  });

  afterAll(async () => {
    attacker?.close();
    expect(await session?.close()).toBe(0);
    await removeTempDir(dir);
  });

  it('refuses a form post, a no-cors fetch and an image request from another port of 127.0.0.1', async () => {
    const { studio, serve, browser } = session;
    const photo = await writeTestImage(path.join(dir, 'photo.png'), { width: 20, height: 16, format: 'png' });
    await studio.add.addPaths([photo]);
    await studio.queue.waitForState('photo.png', 'queued');
    // The thumbnail's URL names the photo's image handle: the attacker is assumed to know it.
    const image = new URL(await studio.queue.thumbnailUrl('photo.png'), serve.origin).href;

    const seenByAttacker: string[] = [];
    attacker = http.createServer((request, response) => {
      seenByAttacker.push(`${request.method} ${request.url}\n${JSON.stringify(request.headers)}`);
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end(attackerPage(serve.origin, image));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    // Same browser context as the studio tab, so the session cookie is there to be (mis)used.
    const page = await studio.page.context().newPage();
    // The API calls are passed through with the headers Chromium gave them (cookie included), to see the answers.
    const answers: string[] = [];
    await page.route(`${serve.origin}/api/queue/**`, async (route) => {
      const response = await route.fetch({ headers: await route.request().allHeaders() });
      answers.push(`${route.request().method()} ${new URL(route.request().url()).pathname} ${response.status()}`);
      await route.fulfill({ response });
    });
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    await page.waitForFunction("document.title.startsWith('done')", undefined, { timeout: 60_000 });
    await expect.poll(() => answers.length, { timeout: 60_000 }).toBe(2); // the form's post may land after the fetch
    // Refused by the Origin check itself (403), not only by a later layer (the body type would give 415).
    expect(answers).toEqual(['POST /api/queue/clear 403', 'POST /api/queue/clear 403']);
    // The photo never loads in the other page (Sec-Fetch-Site refused, and CORP would block it too).
    expect(await page.title()).toBe('done image=0');
    await page.close();
    // The other server saw its page load and the page's own credentialed fetch, and no token in any of them.
    expect(seenByAttacker.some((seen) => seen.startsWith('GET /collect'))).toBe(true);
    for (const seen of seenByAttacker) expect(seen).not.toContain(serve.token);
    expect((await studio.page.context().cookies()).map((c) => c.name)).toEqual([]);

    // A reload keeps working: the tab keeps its token in sessionStorage, the address bar no longer shows it.
    await studio.page.reload();
    expect(studio.page.url()).not.toContain(serve.token);
    await studio.queue.waitForState('photo.png', 'queued');
    expect(await studio.queue.items().count()).toBe(1);
    expect(browser.isConnected()).toBe(true);
  });
});
