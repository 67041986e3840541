// Page objects for TinySR Studio's window, by the renderer's test ids (listed in renderer/README.md). Tests say what
// a user does ("add these paths", "start", "cancel this image"); the selectors live here only.
import type { Locator, Page } from 'playwright-core';

/** Long enough for the engine to finish a small batch on a busy 2-core CI machine; a wait, never an assertion on time. */
export const RUN_WAIT_MS = 150_000;

export type ItemState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface Size {
  width: number;
  height: number;
}

const byTestId = (id: string): string => `[data-testid="${id}"]`;

// The DOM as the page functions below see it (the tests' TypeScript config has no DOM library).
interface DetailsElement {
  open: boolean;
}
/** The page's globals a drop needs (DataTransfer and File exist in the page, not in these tests' types). */
interface PageGlobals {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: Uint8Array[], name: string) => unknown;
  atob(data: string): string;
}
interface ImageElement {
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
}

/**
 * A collapsible side panel (<details>): opened before use, since the user would open it too. In a narrow window the
 * settings live in a drawer, opened from the header first.
 */
async function openPanel(panel: Locator): Promise<void> {
  if (!(await panel.isVisible())) await panel.page().locator(byTestId('toggle-settings')).click();
  if (!(await panel.evaluate((el) => (el as unknown as DetailsElement).open))) await panel.locator('summary').click();
}

export class AddImages {
  constructor(private readonly page: Page) {}

  /** Browser mode: "Server paths..." opens a box for paths of files already on the server machine. */
  async addPaths(paths: readonly string[]): Promise<void> {
    const input = this.page.locator(byTestId('add-paths-input'));
    if (!(await input.isVisible())) await this.page.locator(byTestId('add-server-paths')).click();
    await input.fill(paths.join('\n'));
    await this.page.locator(byTestId('add-paths-submit')).click();
  }
}

export interface UploadFile {
  name: string;
  bytes: Buffer;
}

/** Browser mode's uploads: what "Add files..." (the browser's file picker) and a drop from the desktop send. */
export class Uploads {
  constructor(private readonly page: Page) {}

  /** Picks files in "Add files..." and waits until every upload was answered. */
  async pick(files: readonly UploadFile[]): Promise<void> {
    const answered = this.answers(files.length);
    await this.page.locator(byTestId('add-files-input')).setInputFiles(files.map((file) => ({ name: file.name, mimeType: 'application/octet-stream', buffer: file.bytes })));
    await answered;
  }

  /** Drops files onto the drop zone as a desktop file manager would, and waits until every upload was answered. */
  async drop(files: readonly UploadFile[]): Promise<void> {
    const answered = this.answers(files.length);
    const transfer = await this.page.evaluateHandle((given) => {
      const page = globalThis as unknown as PageGlobals;
      const data = new page.DataTransfer();
      for (const file of given) data.items.add(new page.File([Uint8Array.from(page.atob(file.base64), (c) => c.charCodeAt(0))], file.name));
      return data;
    }, files.map((file) => ({ name: file.name, base64: file.bytes.toString('base64') })));
    await this.page.locator(byTestId('drop-zone')).dispatchEvent('drop', { dataTransfer: transfer });
    await answered;
  }

  /** Files the last add refused, each as "name — reason" (waits for the list: the page fills it once every file is answered). */
  async rejected(): Promise<string[]> {
    await this.page.locator(`${byTestId('add-rejected')} li`).first().waitFor({ timeout: RUN_WAIT_MS });
    return this.page.locator(`${byTestId('add-rejected')} li`).allInnerTexts();
  }

  /** Resolves after `count` upload answers (the page sends the files one after another). */
  private answers(count: number): Promise<void> {
    let seen = 0;
    return new Promise((resolve) => {
      const onResponse = (response: { url(): string }): void => {
        if (!response.url().includes('/api/upload?')) return;
        seen += 1;
        if (seen < count) return;
        this.page.off('response', onResponse);
        resolve();
      };
      this.page.on('response', onResponse);
    });
  }
}

/** Browser mode's downloads; each resolves with the saved file's name and bytes. */
export class Downloads {
  constructor(private readonly page: Page) {}

  async result(item: Locator): Promise<UploadFile> {
    return this.save(() => item.locator(byTestId('item-download')).click());
  }

  async all(): Promise<UploadFile> {
    return this.save(() => this.page.locator(byTestId('summary-download-all')).click());
  }

  private async save(click: () => Promise<void>): Promise<UploadFile> {
    const started = this.page.waitForEvent('download', { timeout: RUN_WAIT_MS });
    await click();
    const download = await started;
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return { name: download.suggestedFilename(), bytes: Buffer.concat(chunks) };
  }
}

export class QueuePanel {
  constructor(private readonly page: Page) {}

  item(name: string): Locator {
    return this.page.locator(`${byTestId('queue-item')}[data-name="${name}"]`);
  }

  items(): Locator {
    return this.page.locator(byTestId('queue-item'));
  }

  async waitForState(name: string, state: ItemState): Promise<void> {
    await this.page.locator(`${byTestId('queue-item')}[data-name="${name}"][data-state="${state}"]`).waitFor({ timeout: RUN_WAIT_MS });
  }

  /** Waits until the running item shows tile progress (the engine is inside the model, not loading or decoding). */
  async waitForTileProgress(name: string): Promise<void> {
    await this.item(name).locator(`${byTestId('item-progress')} [role="progressbar"][aria-valuenow]:not([aria-valuenow="0"])`).waitFor({ timeout: RUN_WAIT_MS });
  }

  async start(): Promise<void> {
    await this.page.locator(byTestId('queue-start')).click();
  }

  async cancel(name: string): Promise<void> {
    await this.item(name).locator(byTestId('item-cancel')).click();
  }

  /** "Run again" on a done row. */
  async runAgain(name: string): Promise<void> {
    await this.item(name).locator(byTestId('item-run-again')).click();
  }

  /** Finished runs of the item so far (its state must change and come back to wait on a second run). */
  async attemptsOf(name: string): Promise<number> {
    return Number(await this.item(name).getAttribute('data-attempts'));
  }

  async pause(): Promise<void> {
    await this.page.locator(byTestId('queue-pause')).click();
  }

  async resume(): Promise<void> {
    await this.page.locator(byTestId('queue-resume')).click();
  }

  async waitForActivity(name: string, activity: 'cancelling' | 'pausing' | 'paused'): Promise<void> {
    await this.page.locator(`${byTestId('queue-item')}[data-name="${name}"][data-activity="${activity}"]`).waitFor({ timeout: RUN_WAIT_MS });
  }

  /** The state badge's words and the line under the name (stage, tiles, ETA). */
  async statusOf(name: string): Promise<{ badge: string; detail: string }> {
    const item = this.item(name);
    return { badge: await item.locator(byTestId('item-state')).innerText(), detail: await item.locator(byTestId('item-detail')).innerText() };
  }

  /** Tiles done of the running item, from its progress bar (0..100). */
  async progressOf(name: string): Promise<number> {
    const value = await this.item(name).locator(`${byTestId('item-progress')} [role="progressbar"]`).getAttribute('aria-valuenow');
    return Number(value ?? 0);
  }

  /** The overall line: status word and the "finished/total · ETA" text. */
  async overall(): Promise<{ status: string | null; text: string }> {
    const overall = this.page.locator(byTestId('overall-progress'));
    return { status: await overall.getAttribute('data-status'), text: await overall.innerText() };
  }

  /** The failure shown on an item: its stable code and the message a person reads. */
  async errorOf(name: string): Promise<{ code: string | null; text: string }> {
    const error = this.item(name).locator(byTestId('item-error'));
    return { code: await error.getAttribute('data-code'), text: await error.innerText() };
  }

  /** Waits until the row's thumbnail has loaded and returns its decoded size (a broken image never loads). */
  async thumbnailSize(name: string): Promise<Size> {
    const image = this.item(name).locator(`${byTestId('item-select')} img`);
    const loaded = (el: unknown): boolean => (el as ImageElement).complete && (el as ImageElement).naturalWidth > 0;
    await this.page.waitForFunction(loaded, await image.elementHandle(), { timeout: RUN_WAIT_MS });
    return image.evaluate((el) => ({ width: (el as unknown as ImageElement).naturalWidth, height: (el as unknown as ImageElement).naturalHeight }));
  }

  async thumbnailUrl(name: string): Promise<string> {
    const src = await this.item(name).locator(`${byTestId('item-select')} img`).getAttribute('src');
    if (src === null) throw new Error(`The queue row of ${name} has no thumbnail.`);
    return src;
  }

  /** Selecting an item shows it in the comparison view. */
  async select(name: string): Promise<void> {
    await this.item(name).locator(byTestId('item-select')).click();
  }
}

export class SettingsPanel {
  constructor(private readonly page: Page) {}

  async chooseModel(id: string): Promise<void> {
    await openPanel(this.page.locator(byTestId('model-panel')));
    const option = this.page.locator(`${byTestId('model-option')}[data-model="${id}"] input[type="radio"]`);
    if (await option.isChecked()) return; // already the chosen model: nothing to save
    await this.savingSettings(() => option.check());
  }

  /** Types the output folder and leaves the field, which saves it. */
  async setOutputFolder(dir: string): Promise<void> {
    await openPanel(this.page.locator(byTestId('output-settings')));
    const field = this.page.locator(byTestId('output-dir'));
    if ((await field.inputValue()) === dir) return; // already saved
    await field.fill(dir);
    await this.savingSettings(() => field.press('Tab'));
  }

  /** A model's card as shown: all its words, and its speed line. */
  async modelCard(id: string): Promise<{ text: string; speed: string }> {
    await openPanel(this.page.locator(byTestId('model-panel')));
    const card = this.page.locator(`${byTestId('model-option')}[data-model="${id}"]`);
    return { text: await card.innerText(), speed: await card.locator(byTestId('model-speed')).innerText() };
  }

  /** "Add your own model…" with an .onnx file: returns what the panel says (added, or "Not added: reason"). */
  async addModel(file: UploadFile): Promise<string> {
    await openPanel(this.page.locator(byTestId('model-panel')));
    const answered = this.page.waitForResponse((response) => response.url().includes('/api/add-model?'), { timeout: RUN_WAIT_MS });
    await this.page.locator(byTestId('model-add-input')).setInputFiles({ name: file.name, mimeType: 'application/octet-stream', buffer: file.bytes });
    await answered;
    const outcome = this.page.locator(`${byTestId('model-add-error')} .message, ${byTestId('model-add-status')}:not(:empty)`);
    await outcome.first().waitFor({ timeout: RUN_WAIT_MS });
    const error = this.page.locator(byTestId('model-add-error'));
    if (await error.isVisible()) return `Not added: ${await error.locator('.message').innerText()}`;
    return (await this.page.locator(byTestId('model-add-status')).innerText()).trim();
  }

  /** The selected image's own model ("This image" panel). */
  async chooseItemModel(id: string): Promise<void> {
    await openPanel(this.page.locator(byTestId('item-settings')));
    const select = this.page.locator(byTestId('item-model'));
    const changed = this.page.waitForResponse((response) => response.url().endsWith('/api/queue/update-item') && response.ok());
    await select.selectOption(id);
    await changed;
  }

  /** The output format for every image ("png", "jpeg", ...). */
  async chooseFormat(format: string): Promise<void> {
    await openPanel(this.page.locator(byTestId('output-settings')));
    const select = this.page.locator(byTestId('output-format'));
    if ((await select.inputValue()) === format) return;
    await this.savingSettings(async () => void (await select.selectOption(format)));
  }

  /**
   * Types a quality and leaves the field: returns the field's complaint, or null once the value was saved (a refused
   * value is never sent, so there is no save to wait for).
   */
  async typeQuality(text: string): Promise<string | null> {
    await openPanel(this.page.locator(byTestId('output-settings')));
    const field = this.page.locator(byTestId('output-quality'));
    const problem = this.page.locator(byTestId('output-quality-problem'));
    await field.fill(text);
    const saved = this.page.waitForResponse((response) => response.url().endsWith('/api/settings/set') && response.ok());
    await field.press('Tab');
    const outcome = await Promise.race([saved.then(() => 'saved' as const), problem.waitFor({ timeout: RUN_WAIT_MS }).then(() => 'refused' as const)]);
    return outcome === 'saved' ? null : problem.innerText();
  }

  /** The output size: `model`, `x2`, `x3`, `x4` or `long-edge`. */
  async chooseSize(choice: string): Promise<void> {
    await openPanel(this.page.locator(byTestId('output-settings')));
    const select = this.page.locator(byTestId('output-size'));
    if ((await select.inputValue()) === choice) return;
    await this.savingSettings(async () => void (await select.selectOption(choice)));
  }

  /** Chooses a long edge and types `pixels`: returns the field's complaint, or null once saved. */
  async chooseLongEdge(pixels: string): Promise<string | null> {
    await this.chooseSize('long-edge');
    const field = this.page.locator(byTestId('output-long-edge'));
    const problem = this.page.locator(byTestId('output-long-edge-problem'));
    await field.fill(pixels);
    const saved = this.page.waitForResponse((response) => response.url().endsWith('/api/settings/set') && response.ok());
    await field.press('Tab');
    const outcome = await Promise.race([saved.then(() => 'saved' as const), problem.waitFor({ timeout: RUN_WAIT_MS }).then(() => 'refused' as const)]);
    return outcome === 'saved' ? null : problem.innerText();
  }

  async outputFolderText(): Promise<string> {
    return this.page.locator(byTestId('output-dir')).inputValue();
  }

  /** Does `action` and waits until the settings it changed were saved, so later actions run with them. */
  private async savingSettings(action: () => Promise<void>): Promise<void> {
    const saved = this.page.waitForResponse((response) => response.url().endsWith('/api/settings/set') && response.ok());
    await action();
    await saved;
  }
}

export class CompareView {
  constructor(private readonly page: Page) {}

  view(): Locator {
    return this.page.locator(byTestId('compare-view'));
  }

  async fit(): Promise<void> {
    await this.page.locator(byTestId('zoom-fit')).click();
  }

  /** "100 %": the original photo's own size. */
  async actualSize(): Promise<void> {
    await this.page.locator(byTestId('zoom-100')).click();
  }

  /** The zoom shown in the toolbar, in percent of the original photo. */
  async zoomPercent(): Promise<number> {
    return Number.parseInt(await this.page.locator(byTestId('zoom-level')).innerText(), 10);
  }

  /** Turns the difference view on and returns its legend once computed. */
  async differenceLegend(): Promise<string> {
    await this.page.locator(byTestId('mode-difference')).click();
    const stats = this.page.locator(byTestId('difference-stats'));
    await stats.waitFor({ timeout: RUN_WAIT_MS });
    return stats.innerText();
  }

  async showSlider(): Promise<void> {
    await this.page.locator(byTestId('mode-slider')).click();
  }

  /** Waits until the original and the result have both loaded, and returns their decoded sizes. */
  async loadedImages(): Promise<{ before: Size; after: Size }> {
    return { before: await this.loadedSize('compare-before'), after: await this.loadedSize('compare-after') };
  }

  /** "Preview visible": runs the model on what the view shows; returns the preview image's decoded size. */
  async previewVisible(): Promise<Size> {
    await this.page.locator(byTestId('preview-visible')).click();
    const outcome = this.page.locator(`${byTestId('compare-preview')}, ${byTestId('preview-error')}`);
    await outcome.first().waitFor({ timeout: RUN_WAIT_MS });
    const error = this.page.locator(byTestId('preview-error'));
    if (await error.isVisible()) throw new Error(`The region preview failed in the UI: ${await error.innerText()}`);
    return this.loadedSize('compare-preview');
  }

  private async loadedSize(testId: string): Promise<Size> {
    const image = this.page.locator(byTestId(testId));
    await image.waitFor({ timeout: RUN_WAIT_MS });
    const loaded = (el: unknown): boolean => (el as ImageElement).complete && (el as ImageElement).naturalWidth > 0;
    await this.page.waitForFunction(loaded, await image.elementHandle(), { timeout: RUN_WAIT_MS });
    return image.evaluate((el) => ({ width: (el as unknown as ImageElement).naturalWidth, height: (el as unknown as ImageElement).naturalHeight }));
  }
}

export interface NoticeView {
  code: string | null;
  /** What the notice reads (the Details fold closed). */
  text: string;
}

export class Notices {
  constructor(private readonly page: Page) {}

  async all(): Promise<NoticeView[]> {
    const notices = await this.page.locator(byTestId('notice')).all();
    return Promise.all(notices.map(async (notice) => ({ code: await notice.getAttribute('data-code'), text: await notice.innerText() })));
  }

  /** Opens "Details" of the notice with `code` and returns the raw text in it. */
  async details(code: string): Promise<string> {
    const fold = this.page.locator(`${byTestId('notice')}[data-code="${code}"] ${byTestId('raw-details')}`);
    await fold.locator('summary').click();
    return fold.locator('pre').innerText();
  }

  async dismissAll(): Promise<void> {
    for (const button of await this.page.locator(`${byTestId('notice')} button[aria-label^="Dismiss"]`).all()) await button.click();
  }
}

export interface ProviderView {
  name: string;
  ok: boolean;
  /** What the row reads (the Details fold closed). */
  text: string;
}

export class HardwarePanel {
  constructor(private readonly page: Page) {}

  /** Probes the providers and returns each row as shown. */
  async probe(): Promise<ProviderView[]> {
    await openPanel(this.page.locator(byTestId('hardware-panel')));
    await this.page.locator(byTestId('hardware-probe')).click();
    const list = this.page.locator(byTestId('hardware-providers'));
    await list.waitFor({ timeout: RUN_WAIT_MS });
    const rows = await list.locator('li').all();
    return Promise.all(
      rows.map(async (row) => ({ name: (await row.getAttribute('data-provider')) ?? '', ok: (await row.getAttribute('data-ok')) === 'true', text: await row.innerText() })),
    );
  }
}

export class Connection {
  constructor(private readonly page: Page) {}

  /** Whether the window says it lost the server. */
  async lost(): Promise<boolean> {
    return this.page.locator(byTestId('connection-lost')).isVisible();
  }

  async waitForLost(): Promise<void> {
    await this.page.locator(byTestId('connection-lost')).waitFor({ timeout: RUN_WAIT_MS });
  }

  async waitForRestored(): Promise<void> {
    await this.page.locator(byTestId('connection-lost')).waitFor({ state: 'detached', timeout: RUN_WAIT_MS });
  }
}

export class Layout {
  constructor(private readonly page: Page) {}

  /** Whether the settings column (models, output, hardware) is on screen. */
  async settingsVisible(): Promise<boolean> {
    return this.page.locator(byTestId('settings-column')).isVisible();
  }

  /** The header's "Settings" button of a narrow window. */
  async toggleSettings(): Promise<void> {
    await this.page.locator(byTestId('toggle-settings')).click();
  }
}

/** The whole window. */
export class StudioPage {
  readonly add: AddImages;
  readonly queue: QueuePanel;
  readonly settings: SettingsPanel;
  readonly compare: CompareView;
  readonly layout: Layout;
  readonly notices: Notices;
  readonly hardware: HardwarePanel;
  readonly connection: Connection;
  readonly uploads: Uploads;
  readonly downloads: Downloads;

  constructor(readonly page: Page) {
    this.uploads = new Uploads(page);
    this.downloads = new Downloads(page);
    this.connection = new Connection(page);
    this.notices = new Notices(page);
    this.hardware = new HardwarePanel(page);
    this.layout = new Layout(page);
    this.add = new AddImages(page);
    this.queue = new QueuePanel(page);
    this.settings = new SettingsPanel(page);
    this.compare = new CompareView(page);
  }

  /** Opens the URL `tinysr serve` printed and waits until the app has loaded its state. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator(byTestId('drop-zone')).waitFor();
    await this.page.locator(byTestId('model-option')).first().waitFor({ state: 'attached' });
  }
}
