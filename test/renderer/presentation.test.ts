// Pure presentation helpers: item state wording, pasted path lists, model facts and number formats.
import { describe, expect, it } from 'vitest';
import { parsePathList } from '../../renderer/src/features/drop-zone/paths.js';
import { modelSpeed, modelSummary, modelTechnical, provenanceWarning } from '../../renderer/src/features/models/model-facts.js';
import { itemDetail, stateLabel } from '../../renderer/src/features/queue/item-status.js';
import { formatCount, formatEta } from '../../renderer/src/lib/view/format.js';
import { makeItem, makeModel } from './fixtures.js';

describe('item status', () => {
  it('says what a running item is doing, with tiles and the ETA', () => {
    const item = makeItem('a', { state: 'running', progress: { stage: 'upscaling', tile: 3, tiles: 12, fraction: 0.25, etaMs: 65_000 } });
    expect(stateLabel(item)).toBe('Running');
    expect(itemDetail(item)).toBe('Upscaling · tile 3/12 · 1:05 left');
  });

  it('names what a cancelled or paused item is about to do, and keeps the ETA of a paused one', () => {
    const progress = { stage: 'upscaling' as const, tile: 3, tiles: 12, fraction: 0.25, etaMs: 65_000, paused: true };
    const item = makeItem('a', { state: 'running', progress });
    expect(stateLabel(item, 'cancelling')).toBe('Cancelling…');
    expect(stateLabel(item, 'pausing')).toBe('Pausing after this tile');
    expect(stateLabel(item, 'paused')).toBe('Paused');
    expect(itemDetail(item)).toBe('Upscaling · tile 3/12 · 1:05 left once resumed');
  });

  it('tells a skipped output apart from a written one', () => {
    const result = {
      outcome: 'skipped-existing' as const,
      output: '/out/a.png',
      outputImage: { handle: 'item/a/output' },
      model: 'fast',
      finishedAt: '2026-01-01T00:00:00.000Z',
    };
    expect(stateLabel(makeItem('a', { state: 'done', result }))).toBe('Skipped (output exists)');
    const written = { ...result, outcome: 'written' as const, outputSize: { width: 256, height: 192 }, provider: 'cpu' as const, wallMs: 2500 };
    const done = makeItem('a', { state: 'done', result: written });
    expect(stateLabel(done)).toBe('Done');
    expect(itemDetail(done)).toBe('256 × 192 · CPU · 2.5 s');
  });
});

describe('parsePathList', () => {
  it('reads one path per line, unquotes, decodes file URLs and drops duplicates', () => {
    const text = '/photos/a.jpg\r\n"/photos/with space.png"\n\nfile:///photos/caf%C3%A9.webp\n/photos/a.jpg\nfile:///C:/Users/x/b.tif';
    expect(parsePathList(text)).toEqual(['/photos/a.jpg', '/photos/with space.png', '/photos/café.webp', 'C:/Users/x/b.tif']);
  });
});

describe('model facts', () => {
  it('prefers measured speed and warns about untrained weights', () => {
    expect(modelSpeed(makeModel('m', { speed: { msPerMegapixel: 6500, provider: 'cpu' } }))).toBe('About 1 min 18 s for a 12 MP photo on the CPU, as measured on this computer.');
    expect(modelSpeed(makeModel('m', { speed: { msPerMegapixel: 40, provider: 'cuda' } }))).toBe('Under a second for a 12 MP photo on the NVIDIA GPU (CUDA), as measured on this computer.');
    expect(modelSpeed(makeModel('m', { macs: 2 * 128 * 128 * 1000, costTileLr: 128 }))).toBe('Not timed on this computer yet: its first image or preview times it.');
    expect(modelSummary(makeModel('m', { summary: 'Fast, for everyday photos.' }))).toBe('Fast, for everyday photos.');
    expect(modelSummary(makeModel('m'))).toBe('Upscales ×4. Its maker gave no description for people.');
    expect(modelTechnical(makeModel('m', { macs: 2 * 128 * 128 * 1000, costTileLr: 128 }))).toContain('2.0 GMAC per input megapixel');
    expect(provenanceWarning(makeModel('m', { untrained: true, weights: 'random-init' }))).toMatch(/Untrained \/ random weights/);
    expect(provenanceWarning(makeModel('m'))).toBeUndefined();
  });
});

describe('formats', () => {
  it('formats ETAs and counts', () => {
    expect(formatEta(null)).toBe('—');
    expect(formatEta(3_909_000)).toBe('1:05:09');
    expect(formatEta(3000)).toBe('0:03');
    expect(formatCount(16_700_000)).toBe('16.7 M');
    expect(formatCount(999)).toBe('999');
  });
});
