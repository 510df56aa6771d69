import * as core from '@actions/core';
import { Docker } from '../pipeline/docker.js';
import { performSaves, type PendingSave } from '../pipeline/saves.js';
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

/** The post step: runs only when the job succeeded, and saves what main prepared. */
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
    const saved = await performSaves(saves, cache, new Docker({ debug: (m) => core.debug(m) }), actionLog);
    core.info(`Saved ${saved.length} of ${saves.length} cache entries.`);
  } catch (error) {
    core.warning(`Saving caches failed: ${(error as Error).message}`);
  }
}
