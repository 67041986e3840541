// How a batch shows its progress: a redrawn bar with tile counts and ETAs on a terminal, plain lines otherwise (logs,
// pipes, CI). Both write to stderr, so stdout carries only the summary and --json output.
//
// May import: core/engine (eta helpers), core/shared.
import path from 'node:path';
import { formatDuration, type EngineEvent, type UpscaleResult } from '../core/engine/index.js';
import type { AppError } from '../core/shared/errors.js';

export interface BatchProgress {
  fileStarted(index: number, total: number, file: string): void;
  event(event: EngineEvent, batchEtaMs: number | null): void;
  fileDone(result: UpscaleResult): void;
  fileSkipped(file: string, output: string): void;
  fileFailed(file: string, error: AppError): void;
  /** Clears any bar before the summary is printed. */
  close(): void;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

const BAR_WIDTH = 24;

function eta(ms: number | null): string {
  return ms === null ? '--:--' : formatDuration(ms);
}

function doneLine(result: UpscaleResult): string {
  const { outputSize: o } = result;
  return `${path.basename(result.input)} -> ${result.output} (${o.width}x${o.height}, ${result.tiles} tiles on ${result.provider}, ${(result.wallMs / 1000).toFixed(1)} s)`;
}

/** Prints each distinct notice once per batch (a missing GPU provider would otherwise repeat for every file). */
class NoticeFilter {
  private readonly seen = new Set<string>();
  firstTime(message: string): boolean {
    if (this.seen.has(message)) return false;
    this.seen.add(message);
    return true;
  }
}

/** Redraws one status line in place; finished files scroll above it. */
class TerminalProgress implements BatchProgress {
  private prefix = '';
  private drawn = false;
  private readonly notices = new NoticeFilter();

  constructor(private readonly out: Stream) {}

  fileStarted(index: number, total: number, file: string): void {
    this.prefix = `[${index}/${total}] ${path.basename(file)}`;
    this.draw(`${this.prefix}  decoding...`);
  }

  event(event: EngineEvent, batchEtaMs: number | null): void {
    if (event.type === 'notice') return this.notices.firstTime(event.message) ? this.line(`notice: ${event.message}`) : undefined;
    if (event.type === 'stage') return this.draw(`${this.prefix}  ${event.stage}...`);
    if (event.type === 'hold') return; // the CLI never pauses a job
    const filled = event.tiles === 0 ? BAR_WIDTH : Math.round((event.tile / event.tiles) * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    this.draw(`${this.prefix}  [${bar}] ${event.tile}/${event.tiles} tiles  ETA ${eta(event.etaMs)}  batch ETA ${eta(batchEtaMs)}`);
  }

  fileDone(result: UpscaleResult): void {
    this.line(`done ${doneLine(result)}`);
  }

  fileSkipped(file: string, output: string): void {
    this.line(`skipped ${path.basename(file)}: ${output} exists`);
  }

  fileFailed(file: string, error: AppError): void {
    this.line(`FAILED ${path.basename(file)}: ${error.code}: ${error.message}`);
  }

  close(): void {
    this.clear();
  }

  private draw(text: string): void {
    const width = Math.max(20, (this.out.columns || 100) - 1); // 0 when the terminal does not say
    this.out.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }

  private line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
  }
}

/** One line per file and per quarter of its tiles: readable in a log. */
class PlainProgress implements BatchProgress {
  private prefix = '';
  private lastQuarter = 0;
  private readonly notices = new NoticeFilter();

  constructor(private readonly out: Stream) {}

  fileStarted(index: number, total: number, file: string): void {
    this.prefix = `[${index}/${total}] ${file}`;
    this.lastQuarter = 0;
    this.out.write(`${this.prefix}: started\n`);
  }

  event(event: EngineEvent, batchEtaMs: number | null): void {
    if (event.type === 'notice') {
      if (this.notices.firstTime(event.message)) this.out.write(`notice: ${event.message}\n`);
      return;
    }
    if (event.type !== 'progress' || event.tiles === 0) return;
    const quarter = Math.floor((event.tile / event.tiles) * 4);
    if (quarter <= this.lastQuarter || quarter >= 4) return;
    this.lastQuarter = quarter;
    this.out.write(`${this.prefix}: ${quarter * 25}% (${event.tile}/${event.tiles} tiles, ETA ${eta(event.etaMs)}, batch ETA ${eta(batchEtaMs)})\n`);
  }

  fileDone(result: UpscaleResult): void {
    this.out.write(`${this.prefix}: done ${doneLine(result)}\n`);
  }

  fileSkipped(file: string, output: string): void {
    this.out.write(`skipped ${file}: ${output} exists\n`);
  }

  fileFailed(file: string, error: AppError): void {
    this.out.write(`FAILED ${file}: ${error.code}: ${error.message}\n`);
  }

  close(): void {}
}

export function createProgress(out: Stream): BatchProgress {
  return out.isTTY ? new TerminalProgress(out) : new PlainProgress(out);
}
