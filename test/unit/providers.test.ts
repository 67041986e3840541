import { describe, expect, it } from 'vitest';
import { AUTO_PROVIDER_ORDER, listedProviders, providerOrder } from '../../electron/core/engine/providers.js';

describe('providerOrder', () => {
  it('auto tries cuda, dml, coreml, cpu among those this build lists', () => {
    expect(AUTO_PROVIDER_ORDER).toEqual(['cuda', 'dml', 'coreml', 'cpu']);
    expect(providerOrder('auto', ['cpu', 'webgpu', 'cuda'])).toEqual(['cuda', 'cpu']);
    expect(providerOrder('auto', ['cpu', 'dml'])).toEqual(['dml', 'cpu']);
  });

  it('an explicit choice comes first and falls back to cpu', () => {
    expect(providerOrder('webgpu', ['cpu'])).toEqual(['webgpu', 'cpu']);
    expect(providerOrder('cpu', ['cpu', 'cuda'])).toEqual(['cpu']);
  });
});

describe('listedProviders', () => {
  it('always includes cpu and only names the engine knows', () => {
    const listed = listedProviders();
    expect(listed).toContain('cpu');
    for (const name of listed) expect(['cuda', 'dml', 'coreml', 'webgpu', 'cpu']).toContain(name);
  });
});
