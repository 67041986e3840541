#!/usr/bin/env node
// Checks the electron-builder config without building (Electron's binary cannot be downloaded here, so nothing is
// packed in CI) and lists what a build would pack:
//   1. the config passes electron-builder's own schema validation (the same call `electron-builder` makes first);
//   2. the release targets exist: Windows nsis, macOS dmg for arm64, Linux AppImage and deb;
//   3. every native file of sharp, @img and onnxruntime-node (.node, .so, .dll, .dylib) matches `asarUnpack`;
//   4. every model file under native-models/ is shipped by an `extraResources` entry;
//   5. the `files` list packs the app entry (`extraMetadata.main`), the engine worker and the preload, and never
//      training/, test/ or bench/ (checked on probe paths, so it fails even where those folders are absent).
// Usage: node build/check-packaging.mjs [--config build/electron-builder.json] [--json]
// Exit code 0 when every check passes, 1 otherwise (each failure names the setting, what was expected, what was found).
//
// May import: node builtins, electron-builder's own modules (its validator and its glob matcher, minimatch).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE_MODULES = ['sharp', '@img', 'onnxruntime-node'];
const NATIVE_FILE = /\.(node|so(\.\d+)*|dll|dylib)$/;
const REQUIRED_TARGETS = [
  { platform: 'win', target: 'nsis', arch: undefined },
  { platform: 'mac', target: 'dmg', arch: 'arm64' },
  { platform: 'linux', target: 'AppImage', arch: undefined },
  { platform: 'linux', target: 'deb', arch: undefined },
];
/** Paths that must never be packed; probes rather than real files so the check holds on any checkout. */
const FORBIDDEN_PROBES = ['training/tinysr_train/__init__.py', 'training/.venv/bin/python', 'test/unit/queue.test.ts', 'bench/engine-memory.mjs'];
/** Files the app cannot start without (compiled outputs; checked as patterns, and on disk when built). */
const REQUIRED_APP_FILES = ['dist/core/engine/worker-main.js', 'dist-electron/preload/preload.cjs'];

// electron-builder's own modules, resolved from electron-builder so the validator and matcher are the ones it runs.
const builderRequire = createRequire(createRequire(path.join(ROOT, 'package.json')).resolve('electron-builder'));
const { minimatch } = builderRequire('minimatch');

function parseArgs(argv) {
  const args = { config: path.join(ROOT, 'build', 'electron-builder.json'), json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') args.json = true;
    else if (argv[i] === '--config' && argv[i + 1]) args.config = path.resolve(argv[++i]);
    else throw new Error(`Unknown argument "${argv[i]}". Usage: node build/check-packaging.mjs [--config FILE] [--json]`);
  }
  return args;
}

/** Files under `dir` as POSIX paths relative to `base`; skips nothing (callers filter). */
function walk(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, base));
    else if (entry.isFile()) out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

const matches = (file, pattern) => minimatch(file, pattern, { dot: true, matchBase: !pattern.includes('/') });

/**
 * electron-builder's FileSet semantics, simplified to what this config uses: any positive pattern, no negative one.
 * Production node_modules are added by electron-builder itself, so only the exclusions apply to them.
 */
function isPacked(file, patterns) {
  const positive = file.startsWith('node_modules/') ? [] : patterns.filter((p) => !p.startsWith('!'));
  const negative = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const included = positive.length === 0 || positive.some((p) => matches(file, p));
  return included && !negative.some((p) => matches(file, p));
}

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const patternsOf = (files) => asList(files).flatMap((f) => (typeof f === 'string' ? [f] : asList(f.filter)));

function targetsOf(config, platform) {
  return asList(config[platform]?.target).map((t) => (typeof t === 'string' ? { target: t, arch: [] } : { target: t.target, arch: asList(t.arch) }));
}

async function validateSchema(config) {
  try {
    const { validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config.js');
    const { DebugLogger } = builderRequire('builder-util');
    await validateConfiguration(structuredClone(config), new DebugLogger(false));
    return [];
  } catch (err) {
    return [`electron-builder rejects the config: ${String(err.message ?? err).split('\n').slice(0, 3).join(' ')}`];
  }
}

const bytesOf = (files) => files.reduce((sum, f) => sum + fs.statSync(path.join(ROOT, f)).size, 0);

/** Production dependencies reachable from package.json, as installed: name, version, bytes, and whether any file is unpacked. */
function productionDependencies(pkg, asarUnpack) {
  const seen = new Map();
  const visit = (name) => {
    if (seen.has(name)) return;
    const dir = path.join(ROOT, 'node_modules', name);
    const manifestFile = path.join(dir, 'package.json');
    if (!fs.existsSync(manifestFile)) return;
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const files = walk(dir).map((f) => `node_modules/${name}/${f}`);
    const bytes = bytesOf(files);
    const unpacked = files.some((f) => asarUnpack.some((p) => matches(f, p)));
    seen.set(name, { name, version: manifest.version, files: files.length, bytes, unpacked });
    for (const dep of [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]) visit(dep);
  };
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export async function checkPackaging(configFile) {
  const errors = [];
  const warnings = [];
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  errors.push(...(await validateSchema(config)));

  for (const required of REQUIRED_TARGETS) {
    const found = targetsOf(config, required.platform);
    const target = found.find((t) => t.target === required.target);
    const where = `${required.platform}.target`;
    if (!target) errors.push(`${where}: expected a "${required.target}" target, found [${found.map((t) => t.target).join(', ')}].`);
    else if (required.arch && !target.arch.includes(required.arch)) {
      errors.push(`${where}: the "${required.target}" target must build for ${required.arch}, found arch [${target.arch.join(', ')}].`);
    }
  }

  const asarUnpack = asList(config.asarUnpack);
  if (config.asar === false) errors.push('asar: expected true (native modules are unpacked selectively through asarUnpack), found false.');
  const nativeFiles = NATIVE_MODULES.flatMap((m) => walk(path.join(ROOT, 'node_modules', m)).map((f) => `node_modules/${m}/${f}`)).filter((f) => NATIVE_FILE.test(f));
  if (nativeFiles.length === 0) warnings.push(`No native files found under node_modules/{${NATIVE_MODULES.join(',')}}: run npm ci first.`);
  for (const module of NATIVE_MODULES) {
    const probe = `node_modules/${module}/probe.node`;
    if (!asarUnpack.some((p) => matches(probe, p))) errors.push(`asarUnpack: expected a pattern covering node_modules/${module}/**, found [${asarUnpack.join(', ')}].`);
  }
  const packedInAsar = nativeFiles.filter((f) => !asarUnpack.some((p) => matches(f, p)));
  for (const f of packedInAsar.slice(0, 5)) errors.push(`asarUnpack: native file ${f} would stay inside app.asar, where it cannot be loaded.`);

  const modelFiles = walk(path.join(ROOT, 'native-models')).filter((f) => /(^|\/)manifest\.json$|\.onnx$/.test(f));
  const modelResources = asList(config.extraResources).filter((r) => typeof r === 'object' && path.posix.normalize(r.from ?? '') === 'native-models');
  if (modelResources.length === 0) errors.push('extraResources: expected an entry { "from": "native-models", "to": "native-models" }, found none.');
  const shippedModels = modelFiles.filter((f) => modelResources.some((r) => isPacked(f, asList(r.filter))));
  for (const f of modelFiles.filter((m) => !shippedModels.includes(m))) errors.push(`extraResources: native-models/${f} is not shipped by the native-models entry's filter.`);
  for (const r of modelResources) if (r.to !== 'native-models') errors.push(`extraResources: native-models must land in resources/native-models (the app looks there), found "${r.to}".`);

  const platforms = ['win', 'mac', 'linux'];
  const topFiles = patternsOf(config.files);
  const main = config.extraMetadata?.main ?? pkg.main;
  if (!main) errors.push('extraMetadata.main: expected the compiled main entry (dist-electron/main/main.js), found nothing (and package.json has no "main").');
  const packs = {};
  for (const platform of platforms) {
    const patterns = [...topFiles, ...patternsOf(config[platform]?.files)];
    for (const probe of FORBIDDEN_PROBES) if (isPacked(probe, patterns)) errors.push(`files (${platform}): ${probe} would be packed; training/, test/ and bench/ must be excluded.`);
    for (const needed of [main, ...REQUIRED_APP_FILES].filter(Boolean)) {
      if (!isPacked(needed, patterns)) errors.push(`files (${platform}): ${needed} would not be packed, but the app needs it.`);
    }
    const appFiles = ['package.json', ...['dist', 'dist-electron', 'renderer/dist'].flatMap((d) => walk(path.join(ROOT, d), ROOT))].filter((f) => isPacked(f, patterns));
    const nativeForPlatform = nativeFiles.filter((f) => isPacked(f, patterns));
    packs[platform] = {
      appFiles: appFiles.length,
      appBytes: bytesOf(appFiles),
      nativeFiles: nativeForPlatform.length,
      nativeBytes: bytesOf(nativeForPlatform),
    };
  }
  for (const needed of [main, ...REQUIRED_APP_FILES].filter(Boolean)) {
    if (!fs.existsSync(path.join(ROOT, needed))) warnings.push(`${needed} is not built yet: run \`npm run build && npm run build:electron\` before packaging.`);
  }
  if (!fs.existsSync(path.join(ROOT, 'renderer', 'dist', 'index.html'))) warnings.push('renderer/dist/index.html is not built yet: build the renderer before packaging.');

  return {
    ok: errors.length === 0,
    errors,
    warnings,
    report: {
      config: path.relative(ROOT, configFile),
      targets: Object.fromEntries(platforms.map((p) => [p, targetsOf(config, p)])),
      asarUnpack,
      packs,
      dependencies: productionDependencies(pkg, asarUnpack),
      extraResources: shippedModels.map((f) => `native-models/${f}`),
    },
  };
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function print(result) {
  const { report } = result;
  console.log(`Packaging check of ${report.config}`);
  for (const [platform, targets] of Object.entries(report.targets)) {
    const pack = report.packs[platform];
    console.log(`  ${platform}: ${targets.map((t) => `${t.target}${t.arch.length ? ` (${t.arch.join(', ')})` : ''}`).join(', ')}; app files ${pack.appFiles} (${mb(pack.appBytes)}), native files ${pack.nativeFiles} (${mb(pack.nativeBytes)})`);
  }
  console.log('  production dependencies (node_modules):');
  for (const d of report.dependencies) console.log(`    ${d.name}@${d.version}  ${d.files} files, ${mb(d.bytes)}${d.unpacked ? '  [unpacked from asar]' : ''}`);
  console.log('  extra resources:');
  for (const f of report.extraResources) console.log(`    ${f}`);
  for (const w of result.warnings) console.log(`warning: ${w}`);
  for (const e of result.errors) console.log(`error: ${e}`);
  console.log(result.ok ? 'OK: the config is valid and packs what the app needs.' : `FAILED: ${result.errors.length} problem(s).`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const result = await checkPackaging(args.config);
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else print(result);
  process.exitCode = result.ok ? 0 : 1;
}
