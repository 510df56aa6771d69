import * as cache from '@actions/cache';
import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import os from 'node:os';
import path from 'node:path';
import type { CacheStore, Log, Places, Progress, ToolStore } from '../ports.js';
import { redact } from '../secrets.js';

/** The Actions cache; every problem is a warning, never a failed job. */
export class ActionsCache implements CacheStore {
  get available(): boolean {
    return cache.isFeatureAvailable();
  }

  async restore(paths: string[], key: string, restoreKeys: string[] = []): Promise<string | undefined> {
    try {
      return await cache.restoreCache(paths, key, restoreKeys);
    } catch (error) {
      core.warning(`Restoring the cache ${key} failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  /**
   * Throws when nothing was saved: the library reports most failures only in
   * its own log lines (a reservation that failed after its retries as a mere
   * info line) and returns -1.
   */
  async save(paths: string[], key: string): Promise<void> {
    let id: number;
    try {
      id = await cache.saveCache(paths, key);
    } catch (error) {
      if (error instanceof cache.ReserveCacheError) {
        core.info(`The cache ${key} already exists: ${error.message}`);
        return;
      }
      core.warning(`Saving the cache ${key} failed: ${(error as Error).message}`);
      return;
    }
    if (id === -1) {
      throw new Error(
        `the cache service did not take ${key} (see the lines above): another job may be saving the same key, or the service failed`
      );
    }
  }
}

/** Every line masked by this process too, not only by the runner (core.setSecret), which sees only what reaches it. */
const live: Log = {
  info: (m) => core.info(redact(m)),
  warning: (m) => core.warning(redact(m)),
  debug: (m) => core.debug(redact(m)),
  output: (line) => core.info(redact(line))
};

/** Log groups: one per phase; a concurrent phase is shown whole when it ends. */
export class GroupProgress implements Progress {
  readonly log = live;

  async phase<T>(
    title: string,
    fn: (log: Log) => Promise<T>,
    options: { concurrent?: boolean } = {}
  ): Promise<T> {
    const start = performance.now();
    if (!options.concurrent) {
      core.startGroup(title);
      try {
        return await fn(live);
      } finally {
        core.info(`${title}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
        core.endGroup();
      }
    }
    const kept: (() => void)[] = [];
    const log: Log = {
      info: (m) => kept.push(() => live.info(m)),
      warning: (m) => kept.push(() => live.warning(m)),
      debug: (m) => kept.push(() => live.debug(m)),
      output: (line) => kept.push(() => live.output(line))
    };
    try {
      return await fn(log);
    } finally {
      core.startGroup(`${title} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
      for (const show of kept) show();
      core.endGroup();
    }
  }
}

/** The runner's tool cache, through @actions/tool-cache (which reads RUNNER_TOOL_CACHE). */
export class RunnerToolStore implements ToolStore {
  dir(name: string, version: string, arch: string): string {
    const root = process.env.RUNNER_TOOL_CACHE;
    if (!root) {
      throw new Error('RUNNER_TOOL_CACHE is not set: there is no tool cache to keep the toolchain in.');
    }
    return path.join(root, name, version, arch);
  }

  find(name: string, version: string, arch: string): string | undefined {
    return tc.find(name, version, arch) || undefined;
  }

  add(source: string, name: string, version: string, arch: string): Promise<string> {
    return tc.cacheDir(source, name, version, arch);
  }
}

/** Where the action keeps checkouts and images: stable paths, so the Actions cache can restore them. */
export function actionPlaces(env: NodeJS.ProcessEnv = process.env): Places {
  const toolCache = env.RUNNER_TOOL_CACHE || path.join(os.homedir(), '.cache', 'esp32-micropython-build');
  const temp = env.RUNNER_TEMP || os.tmpdir();
  return {
    root: path.join(toolCache, 'esp32-micropython-build'),
    temp: path.join(temp, 'esp32-micropython-build'),
    // The runner's own temp directory: no build container mounts it.
    artifacts: path.join(temp, 'esp32-micropython-build')
  };
}

/** Log lines straight to the runner. */
export const actionLog: Log = live;
