// File-name templates: placeholders, validation, safe names, output paths (incl. spaces and non-ASCII).

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NAME_TEMPLATE, outputExtension, renderName, resolveOutputPath, validateNameTemplate,
} from '../../electron/core/imageio/naming.js';

const fields = { name: 'photo', model: 'tinysr-x4', scale: 4, ext: 'png' };

describe('renderName', () => {
  it('fills every placeholder', () => {
    expect(renderName('{name}-{model}-x{scale}.{ext}', fields)).toBe('photo-tinysr-x4-x4.png');
    expect(renderName(DEFAULT_NAME_TEMPLATE, fields)).toBe('photo_tinysr-x4_x4.png');
  });

  it('appends the extension when the template has no {ext}', () => {
    expect(renderName('{name} upscaled', fields)).toBe('photo upscaled.png');
  });

  it('keeps spaces and non-ASCII characters', () => {
    expect(renderName('{name} ({model})', { ...fields, name: 'Ünïcödé 写真 été' })).toBe('Ünïcödé 写真 été (tinysr-x4).png');
  });

  it('replaces characters that are unsafe in file names, so a name can never become a path', () => {
    expect(renderName('{name}_{model}.{ext}', { ...fields, model: '../../etc/passwd' })).toBe('photo_.._.._etc_passwd.png');
    expect(renderName('{name}.{ext}', { ...fields, name: 'a:b*c?"d<e>f|g\\h' })).toBe('a_b_c__d_e_f_g_h.png');
    expect(renderName('{name}.{ext}', { ...fields, name: 'tab\there' })).toBe('tab_here.png');
  });

  it('never yields a hidden, empty, dot-only or Windows-reserved name', () => {
    expect(renderName('{name}.{ext}', { ...fields, name: '.hidden' })).toBe('hidden.png');
    expect(renderName('{name}.{ext}', { ...fields, name: '..' })).toBe('_.png');
    expect(renderName('{name}.{ext}', { ...fields, name: 'CON' })).toBe('_CON.png');
    expect(renderName('{name}. .{ext}', fields)).toBe('photo.png');
  });

  it('shortens an over-long name to 255 bytes, keeping the extension and whole characters', () => {
    const long = renderName('{name}.{ext}', { ...fields, name: '写'.repeat(200) });
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(long.endsWith('写.png')).toBe(true);
  });
});

describe('validateNameTemplate', () => {
  it.each([
    ['{name}_{size}.{ext}', 'unknown placeholder {size}'],
    ['{name}_{}', 'unknown placeholder {}'],
    ['{name_{model}', 'unbalanced'],
    ['{name}}', 'unbalanced'],
    ['   ', 'is empty'],
    ['{model}_x{scale}', 'does not contain {name}'],
    ['out/{name}', 'path separator'],
    ['out\\{name}', 'path separator'],
  ])('rejects %j with INVALID_ARGUMENT (%s)', (template, reason) => {
    expect(() => validateNameTemplate(template)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(reason) }));
  });

  it('accepts the default and custom templates', () => {
    expect(() => validateNameTemplate(DEFAULT_NAME_TEMPLATE)).not.toThrow();
    expect(() => validateNameTemplate('{name}')).not.toThrow();
  });
});

describe('resolveOutputPath', () => {
  it('joins the rendered name to the output folder, using the input name without its extension', () => {
    const out = resolveOutputPath('/photos/Urlaub 2024/Straße am Meer.jpeg', '/out/hochskaliert ü', { model: 'tinysr-x4', scale: 4, format: 'png' });
    expect(out).toBe(path.join('/out/hochskaliert ü', 'Straße am Meer_tinysr-x4_x4.png'));
  });

  it('uses the format extension and a custom template', () => {
    expect(path.basename(resolveOutputPath('a/b/c.d.png', 'o', { template: '{name}@{scale}x.{ext}', model: 'm', scale: 2, format: 'jpeg' }))).toBe('c.d@2x.jpg');
  });

  it('maps formats to their usual extensions', () => {
    expect(['png', 'jpeg', 'webp', 'tiff', 'avif'].map((f) => outputExtension(f as 'png'))).toEqual(['png', 'jpg', 'webp', 'tif', 'avif']);
  });
});
