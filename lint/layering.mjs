// The layering rule: every layer (a folder of the architecture, README "Layout") lists what it MAY import, as an
// allow-list of `**` globs. Anything else is an error, so a new dependency between layers is a decision made here,
// in review, and never an accident that a deny-list forgot.
//
// Each import, export-from, dynamic `import('literal')` and `require('literal')` is resolved before matching:
//   - a relative specifier becomes its repository-relative path with the script extension dropped
//     ('../../imageio/decode.js' in electron/core/tiling/colorfix/adain.ts -> 'electron/core/imageio/decode'),
//     so `../`-depth cannot slip past a pattern;
//   - a Node builtin gets its `node:` prefix ('fs/promises' -> 'node:fs/promises'), so both spellings are one name;
//   - a package name stays as it is ('sharp', 'svelte/attachments').
// Globs: `**` any number of path segments, `*` within one segment, `{a,b}` alternatives.
//
// May import: node builtins.
import { isBuiltin } from 'node:module';
import path from 'node:path';

const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const SCRIPT_EXTENSION = /\.(js|mjs|cjs|ts|mts|cts)$/;

/** A glob as a RegExp over a whole path: `**` spans segments, `*` stays in one, `{a,b}` alternates. */
export function globToRegExp(glob) {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // '**/' matches zero or more whole segments; a trailing '**' matches the rest.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '{') out += '(?:';
    else if (c === '}') out += ')';
    else if (c === ',') out += '|';
    else out += c.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** What an import specifier names, in the form the allow-lists are written in (see the header). */
export function resolveSpecifier(specifier, fromFile, root = ROOT) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const absolute = path.resolve(path.dirname(fromFile), specifier);
    return path.relative(root, absolute).split(path.sep).join('/').replace(SCRIPT_EXTENSION, '');
  }
  if (!specifier.startsWith('node:') && isBuiltin(specifier)) return `node:${specifier}`;
  return specifier;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Each layer imports only what its allow-list names.' },
    schema: [
      {
        type: 'object',
        properties: { layer: { type: 'string' }, allow: { type: 'array', items: { type: 'string' } }, reason: { type: 'string' } },
        required: ['layer', 'allow', 'reason'],
        additionalProperties: false,
      },
    ],
    messages: {
      notAllowed: "'{{specifier}}' ({{target}}) is not in the {{layer}} layer's allow-list: {{reason}}",
    },
  },
  create(context) {
    const { layer, allow, reason } = context.options[0];
    const patterns = allow.map(globToRegExp);
    const filename = context.filename ?? context.getFilename();
    const check = (node, source) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const target = resolveSpecifier(source.value, filename);
      if (patterns.some((p) => p.test(target))) return;
      context.report({ node: source, messageId: 'notAllowed', data: { specifier: source.value, target, layer, reason } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportEqualsDeclaration: (node) => check(node, node.moduleReference?.expression),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node, node.arguments[0]);
      },
    };
  },
};

export default { meta: { name: 'tinysr-layering' }, rules: { 'allowed-imports': rule } };
