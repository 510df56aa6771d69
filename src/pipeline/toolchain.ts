import { existsSync } from 'node:fs';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../exec.js';
import type { CacheStore, Log, Places, ToolStore } from '../ports.js';
import { download, DownloadError, type DownloadProgress, type RetryPolicy } from './download.js';
import { lockEntry } from './entry-lock.js';
import { toolCacheVersion, toolchainKey } from './keys.js';
import { partialName } from './partials.js';
import type { ToolchainSpec } from './resolve/index.js';
import type { PendingSave } from './saves.js';

export const TOOL_NAME = 'xtensa-esp32-elf';
export const TOOL_ARCH = 'x64';

/** How the legacy toolchain will be had: from the tool store, the Actions cache, or a download. */
export interface ToolchainPlan {
  version: string;
  url: string;
  sha256: string;
  /** The version it has in the tool store: the checksum is part of it. */
  storeVersion: string;
  /** Host directory holding bin/xtensa-esp32-elf-gcc, once it is there. */
  dir: string;
  /** Found in the tool store with its compiler. */
  present: boolean;
  cacheKey: string;
  /** What the Actions cache saves and restores: the directory and its completion mark. */
  cachePaths: string[];
}

export interface PreparedToolchain {
  dir: string;
  version: string;
  sha256: string;
  source: 'tool-cache' | 'actions-cache' | 'download';
  save?: PendingSave;
}

export interface ToolchainContext {
  cache: CacheStore;
  useCache: boolean;
  tools: ToolStore;
  places: Places;
  log: Log;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** How a failed download is tried again (download.ts's default when absent). */
  retry?: Partial<RetryPolicy>;
}

export class ToolchainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolchainError';
  }
}

function hasCompiler(dir: string | undefined): dir is string {
  return dir !== undefined && existsSync(path.join(dir, 'bin', `${TOOL_NAME}-gcc`));
}

/**
 * Where the legacy Xtensa toolchain comes from. Refuses, before anything is
 * fetched, a machine it cannot run on and an archive with no known checksum.
 */
export function planToolchain(spec: ToolchainSpec, tools: ToolStore, arch = process.arch): ToolchainPlan {
  if (arch !== 'x64') {
    throw new ToolchainError(
      `Legacy builds (ESP-IDF v3) use the ${TOOL_NAME} ${spec.version} toolchain, which exists for x86-64 Linux only, and this machine is ${arch}. Use an x86-64 runner, or a MicroPython release of v1.15 or later, whose ESP-IDF installs tools for ${arch}.`
    );
  }
  const sha256 = spec.sha256;
  if (!sha256) {
    throw new ToolchainError(
      `No checksum is known for the ${TOOL_NAME} toolchain ${spec.version}: set toolchain-sha256 to the SHA-256 of ${spec.url}.`
    );
  }
  const storeVersion = toolCacheVersion(spec.version, sha256);
  const dir = tools.dir(TOOL_NAME, storeVersion, TOOL_ARCH);
  return {
    version: spec.version,
    url: spec.url,
    sha256,
    storeVersion,
    dir,
    present: hasCompiler(tools.find(TOOL_NAME, storeVersion, TOOL_ARCH)),
    cacheKey: toolchainKey(spec.version, sha256),
    cachePaths: [dir, `${dir}.complete`]
  };
}

/**
 * The legacy Xtensa toolchain as planned: the tool store, then the Actions
 * cache, then a download whose SHA-256 must match before anything is stored.
 * One run at a time per tool store entry: a run that waited looks again, and
 * finds what the other one stored.
 */
export async function obtainToolchain(
  plan: ToolchainPlan,
  ctx: ToolchainContext
): Promise<PreparedToolchain> {
  const what = `the ${TOOL_NAME} ${plan.version} toolchain in the tool cache`;
  const lock = await lockEntry(plan.dir, { what, log: ctx.log, signal: ctx.signal });
  try {
    return await obtainLocked(plan, ctx);
  } finally {
    await lock.release();
    // A failed run leaves no trace in the tool cache: not even the directories its lock made.
    if (!hasCompiler(plan.dir)) await removeEmptyParents(plan.dir);
  }
}

/**
 * The entry's version and tool directories (<store>/<tool>/<version>/<arch>),
 * each removed only if empty: another run may be filling them.
 */
async function removeEmptyParents(dir: string): Promise<void> {
  const versionDir = path.dirname(dir);
  const toolDir = path.dirname(versionDir);
  if (path.basename(toolDir) !== TOOL_NAME) return;
  for (const candidate of [versionDir, toolDir]) {
    try {
      await rmdir(candidate);
    } catch {
      return;
    }
  }
}

async function obtainLocked(plan: ToolchainPlan, ctx: ToolchainContext): Promise<PreparedToolchain> {
  const { log, tools } = ctx;
  const base = { version: plan.version, sha256: plan.sha256 };
  log.info(`Looking for ${TOOL_NAME} ${plan.version} in the tool cache`);
  const found = tools.find(TOOL_NAME, plan.storeVersion, TOOL_ARCH);
  if (hasCompiler(found)) {
    log.info(`Found in the tool cache: ${found}`);
    return { ...base, dir: found, source: 'tool-cache' };
  }
  if (ctx.useCache && ctx.cache.available) {
    log.info(`Restoring from the Actions cache: ${plan.cacheKey}`);
    const hit = await ctx.cache.restore(plan.cachePaths, plan.cacheKey);
    const restored = hit ? tools.find(TOOL_NAME, plan.storeVersion, TOOL_ARCH) : undefined;
    if (hasCompiler(restored)) {
      log.info(`Restored from the Actions cache: ${restored}`);
      return { ...base, dir: restored, source: 'actions-cache' };
    }
    log.info('Not in the Actions cache');
  }
  const dir = await downloadToolchain(plan, ctx);
  log.info(`Added to the tool cache: ${dir}`);
  const save: PendingSave = {
    kind: 'toolchain',
    key: plan.cacheKey,
    paths: plan.cachePaths,
    ready: plan.cachePaths[1]
  };
  return { ...base, dir, source: 'download', save };
}

/** The archive, downloaded (tried again on transient failures) and checked against its SHA-256. */
async function fetchArchive(plan: ToolchainPlan, archive: string, ctx: ToolchainContext) {
  const { log } = ctx;
  log.info(`Downloading ${plan.url}`);
  let got;
  try {
    got = await download(plan.url, archive, {
      onProgress: ctx.onProgress,
      signal: ctx.signal,
      retry: ctx.retry,
      onRetry: (attempt, reason, delayMs) =>
        log.warning(
          `Download attempt ${attempt} of ${plan.url} failed (${reason}); trying again in ${(delayMs / 1000).toFixed(1)} s`
        )
    });
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    throw new ToolchainError(
      `${error.message}. If this machine cannot reach it, put the archive on a server it can reach and set toolchain-url (and toolchain-sha256).`
    );
  }
  log.info(`Verifying SHA-256 (${got.size} bytes)`);
  if (got.sha256 !== plan.sha256) {
    throw new ToolchainError(
      `SHA-256 mismatch for ${plan.url}: expected ${plan.sha256}, got ${got.sha256}. The download is corrupt or the URL serves another file; nothing was cached. Check toolchain-url and toolchain-sha256.`
    );
  }
}

async function downloadToolchain(plan: ToolchainPlan, ctx: ToolchainContext): Promise<string> {
  // A staging name (host, pid): what a killed run leaves here, the next run's sweep removes.
  const work = partialName(path.join(ctx.places.temp, `toolchain-${plan.storeVersion}`));
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const archive = path.join(work, path.basename(new URL(plan.url).pathname) || 'toolchain.tar.gz');
    await fetchArchive(plan, archive, ctx);
    ctx.log.info('Extracting');
    const extracted = path.join(work, 'x');
    await extract(archive, extracted, ctx);
    const root = [path.join(extracted, TOOL_NAME), extracted].find(hasCompiler);
    if (!root) {
      throw new ToolchainError(
        `The archive from ${plan.url} has no ${TOOL_NAME}/bin/${TOOL_NAME}-gcc: is it an ESP32 Xtensa toolchain for Linux?`
      );
    }
    return await ctx.tools.add(root, TOOL_NAME, plan.storeVersion, TOOL_ARCH);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** tar's flag for an archive's compression, from its name. Pure. */
export function tarCompression(archive: string): string {
  if (/\.(tar\.xz|txz)$/.test(archive)) return '-J';
  if (/\.(tar\.bz2|tbz2?)$/.test(archive)) return '-j';
  return '-z';
}

async function extract(archive: string, dest: string, ctx: ToolchainContext): Promise<void> {
  await mkdir(dest, { recursive: true });
  const options = { debug: ctx.log.debug, signal: ctx.signal };
  if (archive.endsWith('.zip')) await run('unzip', ['-q', '-o', archive, '-d', dest], options);
  else await run('tar', ['-x', tarCompression(archive), '-f', archive, '-C', dest], options);
}
