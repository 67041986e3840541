#!/usr/bin/env node
// Checks the electron-builder config in two parts, and fails (exit code 1) on any problem:
//
// A. Static checks of the config (fast; test/unit/packaging-check.test.ts):
//   1. the config passes electron-builder's own schema validation (the same call `electron-builder` makes first);
//   2. the release targets exist: Windows nsis, macOS dmg for arm64, Linux AppImage and deb; package.json has the
//      `homepage` the deb target requires;
//   3. every native file of sharp, @img and onnxruntime-node (.node, .so, .dll, .dylib) matches `asarUnpack`;
//   4. every model file under native-models/ is shipped by an `extraResources` entry;
//   5. the `files` list of each platform packs the app entry, the engine worker and the preload, and never training/,
//      test/ or bench/. A platform's own `files` list replaces the top-level one, and electron-builder adds `**/*` to a
//      list that holds only exclusions (it then packs the whole repository): such a list is an error.
//
// B. The real pack (`npm run check:packaging`; test/e2e/packaging.e2e.ts): `electron-builder --dir` for Linux x64,
//    Windows x64 and macOS arm64 against a stand-in Electron folder (`-c.electronDist=...`, made in a temp folder:
//    Electron's binary cannot be downloaded here, and `--dir` never runs it), then every file of the packed
//    resources/ is checked:
//   6. app.asar and app.asar.unpacked hold only the app (package.json, dist/, dist-electron/, renderer/dist/, no
//      source maps or TypeScript) and the production dependencies of package.json (as `npm ls --omit=dev` would list
//      them); onnxruntime-node ships only the target's own platform and architecture;
//   7. resources/ holds only app.asar, app.asar.unpacked and native-models/ (manifests, .onnx, model cards, licences);
//   8. the sizes stay within BUDGET_BYTES (app.asar, app.asar.unpacked, native-models).
//    The pack needs the compiled app: `npm run build && npm run build:electron` first.
//
// Usage: node build/check-packaging.mjs [--config build/electron-builder.json] [--json] [--static-only]
//                                       [--platform linux|win|mac]...
//
// May import: node builtins, electron-builder's own modules (its validator, its glob matcher minimatch, @electron/asar,
// resedit for the stand-in Windows executable).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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
  const args = { config: path.join(ROOT, 'build', 'electron-builder.json'), json: false, pack: true, platforms: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') args.json = true;
    else if (argv[i] === '--static-only') args.pack = false;
    else if (argv[i] === '--config' && argv[i + 1]) args.config = path.resolve(argv[++i]);
    else if (argv[i] === '--platform' && argv[i + 1]) args.platforms.push(argv[++i]);
    else throw new Error(`Unknown argument "${argv[i]}". Usage: node build/check-packaging.mjs [--config FILE] [--json] [--static-only] [--platform linux|win|mac]...`);
  }
  if (args.platforms.length === 0) args.platforms = Object.keys(PACK_PLATFORMS);
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
 * Production node_modules are added by electron-builder itself, so only the exclusions apply to them. A list with no
 * positive pattern packs everything (electron-builder prepends `**\/*`).
 */
function isPacked(file, patterns) {
  const positive = patterns.filter((p) => !p.startsWith('!'));
  const negative = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const included = file.startsWith('node_modules/') || positive.length === 0 || positive.some((p) => matches(file, p));
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

  if (typeof pkg.homepage !== 'string' || pkg.homepage === '') errors.push('package.json: expected a "homepage" (the deb target refuses to build without one), found none.');

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
    // A platform's own `files` replaces the top-level list (electron-builder 26, measured with --dir).
    const own = config[platform]?.files;
    const patterns = own === undefined ? topFiles : patternsOf(own);
    if (own !== undefined && !patterns.some((p) => !p.startsWith('!'))) {
      errors.push(`${platform}.files: holds only exclusions, so electron-builder adds "**/*" and packs the whole repository; list the app's files (package.json, dist/**, dist-electron/**, renderer/dist/**) before the exclusions.`);
    }
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

// ---------------------------------------------------------------------------------------------------------------------
// B. The real pack.

/** Size budgets per packed platform, in bytes: a 307 MB app.asar (the whole repository) or a second platform's
 * onnxruntime (25-86 MB) breaks them. Measured 2.9 MB / 64-87 MB / 7.1 MB when this was written. */
export const BUDGET_BYTES = { asar: 10e6, unpacked: 120e6, models: 100e6 };

/** The platforms `--dir` packs, each for the architecture its release target ships. */
export const PACK_PLATFORMS = {
  linux: { arch: 'x64', ortPlatform: 'linux', resources: (out) => path.join(out, 'linux-unpacked', 'resources') },
  win: { arch: 'x64', ortPlatform: 'win32', resources: (out) => path.join(out, 'win-unpacked', 'resources') },
  mac: { arch: 'arm64', ortPlatform: 'darwin', resources: (out, productName) => path.join(out, 'mac-arm64', `${productName}.app`, 'Contents', 'Resources') },
};

const APP_FILE = /^(package\.json|dist\/.+|dist-electron\/.+|renderer\/dist\/.+)$/;
const SOURCE_FILE = /\.(map|ts|mts|cts)$/;
const MODEL_RESOURCE = /^(manifest\.schema\.json|[^/]+\/(manifest\.json|[^/]+\.onnx|MODEL_CARD\.md|LICENSE[^/]*))$/;

/**
 * A stand-in for Electron's unpacked distribution: the files electron-builder copies, renames and edits for a `--dir`
 * build, without Electron itself (the Windows executable is an empty PE image with a version resource, which
 * electron-builder edits to record the asar's integrity; macOS gets a bundle with one helper).
 */
function makeElectronStandIn(platform, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const plist = (name) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n` +
    `<plist version="1.0"><dict><key>CFBundleExecutable</key><string>${name}</string><key>CFBundleIdentifier</key><string>com.github.Electron</string><key>CFBundleName</key><string>${name}</string></dict></plist>\n`;
  const stub = '#!/bin/sh\necho "stand-in for Electron: built by build/check-packaging.mjs, never run" >&2\nexit 1\n';
  if (platform === 'mac') {
    const contents = path.join(dir, 'Electron.app', 'Contents');
    const helper = path.join(contents, 'Frameworks', 'Electron Helper.app', 'Contents');
    for (const d of [path.join(contents, 'MacOS'), path.join(contents, 'Resources'), path.join(helper, 'MacOS')]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(contents, 'Info.plist'), plist('Electron'));
    fs.writeFileSync(path.join(helper, 'Info.plist'), plist('Electron Helper'));
    fs.writeFileSync(path.join(contents, 'MacOS', 'Electron'), stub, { mode: 0o755 });
    fs.writeFileSync(path.join(helper, 'MacOS', 'Electron Helper'), stub, { mode: 0o755 });
    return;
  }
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  for (const f of ['LICENSE', 'LICENSES.chromium.html']) fs.writeFileSync(path.join(dir, f), '');
  fs.writeFileSync(path.join(dir, 'version'), electronVersion());
  if (platform === 'linux') fs.writeFileSync(path.join(dir, 'electron'), stub, { mode: 0o755 });
  else {
    const resedit = builderRequire('resedit');
    const exe = resedit.NtExecutable.createEmpty(false, false);
    const resource = resedit.NtExecutableResource.from(exe);
    const version = resedit.Resource.VersionInfo.createEmpty();
    version.setStringValues({ lang: 1033, codepage: 1200 }, { ProductName: 'Electron stand-in' });
    version.outputToResourceEntries(resource.entries);
    resource.outputResource(exe);
    fs.writeFileSync(path.join(dir, 'electron.exe'), Buffer.from(exe.generate()));
  }
}

function electronVersion() {
  return JSON.parse(fs.readFileSync(createRequire(path.join(ROOT, 'package.json')).resolve('electron/package.json'), 'utf8')).version;
}

/** Files of an asar archive (from its header), as { path, size, unpacked } with POSIX paths relative to the app. */
function asarFiles(archive) {
  const { getRawHeader } = builderRequire('@electron/asar');
  const out = [];
  const visit = (node, prefix) => {
    for (const [name, entry] of Object.entries(node.files ?? {})) {
      const rel = prefix ? `${prefix}/${name}` : name;
      if (entry.files) visit(entry, rel);
      else if (!entry.link) out.push({ path: rel, size: Number(entry.size ?? 0), unpacked: entry.unpacked === true });
    }
  };
  visit(getRawHeader(archive).header, '');
  return out;
}

/** The package a node_modules path belongs to (the innermost one), or undefined outside node_modules. */
function packageOf(file) {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(file);
  return m?.[1];
}

const dirBytes = (dir) => walk(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);

/**
 * Packs `platform` with `electron-builder --dir` against a stand-in Electron and checks what it packed (checks 6-8).
 * Returns { platform, arch, ok, errors, files, bytes, seconds, log }. `keep` leaves the temp folder; `budget` replaces BUDGET_BYTES.
 */
export function packAndInspect(configFile, platform, { keep = false, budget = BUDGET_BYTES } = {}) {
  const target = PACK_PLATFORMS[platform];
  if (!target) throw new Error(`Unknown platform "${platform}": expected one of ${Object.keys(PACK_PLATFORMS).join(', ')}.`);
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `tinysr-pack-${platform}-`));
  const standIn = path.join(work, 'electron');
  const out = path.join(work, 'out');
  const noResources = path.join(work, 'no-build-resources');
  fs.mkdirSync(noResources);
  makeElectronStandIn(platform, standIn);
  const cli = path.join(path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('electron-builder/package.json')), 'cli.js');
  const args = [cli, `--${platform}`, 'dir', `--${target.arch}`, '--projectDir', ROOT, '--config', configFile, `-c.electronDist=${standIn}`, '-c.npmRebuild=false', `-c.directories.output=${out}`];
  // Offline: Windows skips the executable's icon and metadata edit, macOS skips signing and the icon conversion
  // (both fetch tools from the network; the real release builds do them on their own OS).
  if (platform === 'win') args.push('-c.win.signAndEditExecutable=false');
  if (platform === 'mac') args.push('-c.mac.identity=null', '-c.mac.icon=null', `-c.directories.buildResources=${noResources}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', CI: '1' } });
  const seconds = (performance.now() - started) / 1000;
  const log = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const errors = [];
  const result = { platform, arch: target.arch, ok: false, errors, files: 0, bytes: { asar: 0, unpacked: 0, models: 0 }, seconds, log };
  try {
    if (run.status !== 0) {
      const reason = log.split('\n').find((l) => l.includes('⨯')) ?? `exit code ${run.status}`;
      errors.push(`electron-builder --${platform} dir failed: ${reason.trim()}`);
      return result;
    }
    const resources = target.resources(out, config.productName ?? pkg.productName ?? pkg.name);
    const asar = path.join(resources, 'app.asar');
    const unpackedDir = `${asar}.unpacked`;
    const modelsDir = path.join(resources, 'native-models');
    for (const entry of fs.readdirSync(resources)) {
      if (!['app.asar', 'app.asar.unpacked', 'native-models'].includes(entry)) errors.push(`resources/${entry}: not part of the app (expected app.asar, app.asar.unpacked, native-models).`);
    }
    const production = new Set(productionDependencies(pkg, []).map((d) => d.name));
    const files = [...asarFiles(asar).map((f) => f.path), ...walk(unpackedDir)];
    const outside = [];
    const foreign = [];
    for (const file of new Set(files)) {
      const name = packageOf(file);
      if (name === undefined) {
        if (!APP_FILE.test(file) || SOURCE_FILE.test(file)) outside.push(file);
        continue;
      }
      if (!production.has(name)) {
        outside.push(file);
        continue;
      }
      const ort = /^node_modules\/onnxruntime-node\/bin\/napi-v[^/]+\/([^/]+)\/([^/]+)\//.exec(file);
      if (ort && (ort[1] !== target.ortPlatform || ort[2] !== target.arch)) foreign.push(file);
    }
    const list = (xs) => `${xs.slice(0, 8).join(', ')}${xs.length > 8 ? `, ... (${xs.length} in all)` : ''}`;
    if (outside.length) errors.push(`app.asar: ${outside.length} file(s) outside the app and its production dependencies: ${list(outside)}.`);
    if (foreign.length) errors.push(`app.asar.unpacked: onnxruntime-node for another platform or architecture than ${target.ortPlatform}/${target.arch}: ${list(foreign)}.`);
    const models = walk(modelsDir);
    const strayModels = models.filter((f) => !MODEL_RESOURCE.test(f));
    if (strayModels.length) errors.push(`resources/native-models: ${strayModels.length} file(s) that are not manifests, models, model cards or licences: ${list(strayModels)}.`);
    result.files = files.length + models.length;
    result.bytes = { asar: fs.statSync(asar).size, unpacked: dirBytes(unpackedDir), models: dirBytes(modelsDir) };
    for (const [part, limit] of Object.entries(budget)) {
      if (result.bytes[part] > limit) errors.push(`size: ${part} is ${mb(result.bytes[part])}, over its budget of ${mb(limit)} (BUDGET_BYTES in build/check-packaging.mjs).`);
    }
    result.ok = errors.length === 0;
    return result;
  } finally {
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }
}


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
  const packs = args.pack ? args.platforms.map((platform) => packAndInspect(args.config, platform)) : [];
  const ok = result.ok && packs.every((p) => p.ok);
  if (args.json) console.log(JSON.stringify({ ...result, ok, packs: packs.map(({ log: _log, ...p }) => p) }, null, 2));
  else {
    print(result);
    for (const p of packs) {
      console.log(`Packed ${p.platform} ${p.arch} with electron-builder --dir (stand-in Electron) in ${p.seconds.toFixed(1)} s: ${p.files} files; app.asar ${mb(p.bytes.asar)}, app.asar.unpacked ${mb(p.bytes.unpacked)}, native-models ${mb(p.bytes.models)}`);
      for (const e of p.errors) console.log(`error: ${p.platform}: ${e}`);
    }
    if (args.pack) console.log(ok ? 'OK: every platform packs only the app and its runtime dependencies, within budget.' : 'FAILED.');
  }
  process.exitCode = ok ? 0 : 1;
}
