import * as core from '@actions/core';
import { Docker } from '../pipeline/docker.js';
import { parseCacheSaveTimeout } from '../inputs.js';
import { performSaves, SavesTimedOut, type PendingSave } from '../pipeline/saves.js';
import { ActionsCache, actionLog } from './ports.js';
import { STATE_SAVES } from './state.js';

/**
 * A saving problem is a warning, never a failed job: that holds too for an
 * exception the cache library throws outside the promise it returned (a
 * stream's late error), which would otherwise end the process with code 1.
 */
function guardUncaught(): void {
  const warn = (error: unknown) => {
    core.warning(`Saving caches failed: ${(error as Error)?.message ?? String(error)}`);
    process.exitCode = 0;
  };
  process.on('uncaughtException', warn);
  process.on('unhandledRejection', warn);
}

/** Everything written reaches the runner before the process ends. */
function flushed(): Promise<void> {
  return new Promise((resolve) => process.stdout.write('', () => resolve()));
}

/**
 * The post step: runs only when the job succeeded, and saves what main
 * prepared, within cache-save-timeout: a cache service that stops answering
 * once kept an orphaned post step spinning for over an hour.
 */
export async function post(): Promise<void> {
  guardUncaught();
  try {
    const raw = core.getState(STATE_SAVES);
    const saves = raw ? (JSON.parse(raw) as PendingSave[]) : [];
    if (saves.length === 0) {
      core.info('Every cache was restored exactly (or caching is off): nothing to save.');
      return;
    }
    const cache = new ActionsCache();
    if (!cache.available) {
      core.info('The Actions cache service is not available here: nothing saved.');
      return;
    }
    const deadlineMs = parseCacheSaveTimeout(core.getInput('cache-save-timeout')) * 60_000;
    const docker = new Docker({ debug: (m) => core.debug(m) });
    const saved = await performSaves(saves, cache, docker, actionLog, { deadlineMs });
    core.info(`Saved ${saved.length} of ${saves.length} cache entries.`);
  } catch (error) {
    if (!(error instanceof SavesTimedOut)) {
      core.warning(`Saving caches failed: ${(error as Error).message}`);
      return;
    }
    core.warning(error.message);
    // The save still running may hold sockets open, and would keep the process alive.
    // @actions/cache makes an entry restorable only by its last request (commit in the
    // v1 cache service, FinalizeCacheEntryUpload in v2), sent once the whole archive is
    // uploaded: a save ended before that leaves no entry, never half of one.
    await flushed();
    process.exit(0);
  }
}
