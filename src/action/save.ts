import * as core from '@actions/core';
import { Docker } from '../pipeline/docker.js';
import { performSaves, type PendingSave } from '../pipeline/saves.js';
import { ActionsCache, actionLog, actionPlaces } from './ports.js';
import { STATE_SAVES } from './state.js';

/** The post step: runs only when the job succeeded, and saves what main prepared. */
export async function post(): Promise<void> {
  try {
    const raw = core.getState(STATE_SAVES);
    const saves = raw ? (JSON.parse(raw) as PendingSave[]) : [];
    if (saves.length === 0) {
      core.info('Every cache was restored exactly (or caching is off): nothing to save.');
      return;
    }
    actionPlaces();
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
