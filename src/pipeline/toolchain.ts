import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tc from '@actions/tool-cache';
import type { CacheStore, Log, Places } from '../ports.js';
import { download, DownloadError, type DownloadProgress } from './download.js';
import { toolCacheVersion, toolchainKey } from './keys.js';
import type { ToolchainSpec } from './resolve.js';
import type { PendingSave } from './saves.js';

export const TOOL_NAME = 'xtensa-esp32-elf';
const ARCH = 'x64';

export interface PreparedToolchain {
  /** Host directory holding bin/xtensa-esp32-elf-gcc. */
  dir: string;
  version: string;
  sha256: string;
  source: 'tool-cache' | 'actions-cache' | 'download';
  save?: PendingSave;
}

export interface ToolchainContext {
  cache: CacheStore;
  useCache: boolean;
  places: Places;
  log: Log;
  onProgress?: (p: DownloadProgress) => void;
}

export class ToolchainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolchainError';
  }
}

function hasCompiler(dir: string): boolean {
  return existsSync(path.join(dir, 'bin', `${TOOL_NAME}-gcc`));
}

/** The tool-cache directory @actions/tool-cache keeps this version in (tc.find looks there). */
export function toolCachePath(version: string): string {
  const root = process.env.RUNNER_TOOL_CACHE;
  if (!root)
    throw new ToolchainError(
      'RUNNER_TOOL_CACHE is not set: there is no tool cache to keep the toolchain in.'
    );
  return path.join(root, TOOL_NAME, version, ARCH);
}

/**
 * The legacy Xtensa toolchain: the runner's tool cache, then the Actions
 * cache, then a download whose SHA-256 must match before anything is cached.
 */
export async function prepareToolchain(
  spec: ToolchainSpec,
  ctx: ToolchainContext
): Promise<PreparedToolchain> {
  const { log } = ctx;
  if (process.arch !== 'x64') {
    throw new ToolchainError(
      `Legacy builds (ESP-IDF v3) use the ${TOOL_NAME} ${spec.version} toolchain, which exists for x86-64 Linux only, and this machine is ${process.arch}. Use an x86-64 runner, or a MicroPython release of v1.15 or later, whose ESP-IDF installs tools for ${process.arch}.`
    );
  }
  const sha256 = spec.sha256;
  if (!sha256) {
    throw new ToolchainError(
      `No checksum is known for the ${TOOL_NAME} toolchain ${spec.version}: set toolchain-sha256 to the SHA-256 of ${spec.url}.`
    );
  }
  const version = toolCacheVersion(spec.version, sha256);
  const base = { version: spec.version, sha256 };

  log.info(`Looking for ${TOOL_NAME} ${spec.version} in the tool cache`);
  const found = tc.find(TOOL_NAME, version, ARCH);
  if (found && hasCompiler(found)) {
    log.info(`Found in the tool cache: ${found}`);
    return { ...base, dir: found, source: 'tool-cache' };
  }

  const cached = toolCachePath(version);
  const key = toolchainKey(spec.version, sha256);
  const paths = [cached, `${cached}.complete`];
  if (ctx.useCache && ctx.cache.available) {
    log.info(`Restoring from the Actions cache: ${key}`);
    const hit = await ctx.cache.restore(paths, key);
    const restored = hit ? tc.find(TOOL_NAME, version, ARCH) : '';
    if (restored && hasCompiler(restored)) {
      log.info(`Restored from the Actions cache: ${restored}`);
      return { ...base, dir: restored, source: 'actions-cache' };
    }
    log.info('Not in the Actions cache');
  }

  const work = await mkdtemp(path.join(ctx.places.temp, 'toolchain-'));
  try {
    const archive = path.join(work, path.basename(new URL(spec.url).pathname) || 'toolchain.tar.gz');
    log.info(`Downloading ${spec.url}`);
    let got;
    try {
      got = await download(spec.url, archive, { onProgress: ctx.onProgress });
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error;
      throw new ToolchainError(
        `${error.message}. If this machine cannot reach it, put the archive on a server it can reach and set toolchain-url (and toolchain-sha256).`
      );
    }
    log.info(`Verifying SHA-256 (${got.size} bytes)`);
    if (got.sha256 !== sha256) {
      throw new ToolchainError(
        `SHA-256 mismatch for ${spec.url}: expected ${sha256}, got ${got.sha256}. The download is corrupt or the URL serves another file; nothing was cached. Check toolchain-url and toolchain-sha256.`
      );
    }
    log.info('Extracting');
    const extracted = await extract(archive, path.join(work, 'x'));
    const root = [path.join(extracted, TOOL_NAME), extracted].find(hasCompiler);
    if (!root) {
      throw new ToolchainError(
        `The archive from ${spec.url} has no ${TOOL_NAME}/bin/${TOOL_NAME}-gcc: is it an ESP32 Xtensa toolchain for Linux?`
      );
    }
    const dir = await tc.cacheDir(root, TOOL_NAME, version, ARCH);
    log.info(`Added to the tool cache: ${dir}`);
    return {
      ...base,
      dir,
      source: 'download',
      save: { kind: 'toolchain', key, paths, ready: `${cached}.complete` }
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function extract(archive: string, dest: string): Promise<string> {
  if (archive.endsWith('.zip')) return tc.extractZip(archive, dest);
  const flags = /\.(tar\.xz|txz)$/.test(archive) ? 'xJ' : /\.(tar\.bz2|tbz2?)$/.test(archive) ? 'xj' : 'xz';
  return tc.extractTar(archive, dest, flags);
}
