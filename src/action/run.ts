import path from 'node:path';
import os from 'node:os';
import * as core from '@actions/core';
import { parseInputs, type Inputs } from '../inputs.js';
import type { Places } from '../ports.js';
import { Docker } from '../pipeline/docker.js';
import { findDockerDir } from '../pipeline/image.js';
import { runPipeline, type PipelineResult } from '../pipeline/index.js';
import { performSaves, type PendingSave } from '../pipeline/saves.js';
import { cacheHits, summaryRows } from '../pipeline/summary.js';
import { ActionsCache, GroupProgress } from './ports.js';
import { MATCHER_OWNER, writeMatcher } from './matcher.js';

const STATE_SAVES = 'saves';

/** Where the action keeps checkouts and images: stable paths, so the Actions cache can restore them. */
export function actionPlaces(): Places {
  const toolCache = process.env.RUNNER_TOOL_CACHE || path.join(os.homedir(), '.cache', 'esp32-micropython-build');
  const temp = process.env.RUNNER_TEMP || os.tmpdir();
  process.env.RUNNER_TOOL_CACHE = toolCache;
  process.env.RUNNER_TEMP = temp;
  return { root: path.join(toolCache, 'esp32-micropython-build'), temp: path.join(temp, 'esp32-micropython-build') };
}

function setOutputs(result: PipelineResult): void {
  const r = result.resolution;
  core.setOutput('firmware', result.artifacts.firmware ?? '');
  core.setOutput('build-dir', result.artifacts.buildDir);
  core.setOutput('artifacts', result.artifacts.files.join('\n'));
  core.setOutput('idf-version', r.idf.ref);
  core.setOutput('idf-commit', result.idf.commit);
  core.setOutput('supported-idf-versions', JSON.stringify(r.idf.supported));
  core.setOutput('micropython-version', r.micropythonVersion ?? '');
  core.setOutput('build-system', r.buildSystem);
  core.setOutput('board', r.board);
  core.setOutput('toolchain', result.toolchain?.version ?? '');
  core.setOutput('image', result.image.ref);
  core.setOutput('cache-hit', JSON.stringify(cacheHits(result)));
}

async function writeSummary(result: PipelineResult): Promise<void> {
  const rows = summaryRows(result).map(([name, value]) => [{ data: name, header: true }, value]);
  await core.summary
    .addHeading(`MicroPython firmware for ${result.resolution.board || 'ESP32'}`, 3)
    .addTable(rows)
    .addList(result.artifacts.files.map((f) => path.basename(f)))
    .write();
}

/** The action's main step. */
export async function main(): Promise<void> {
  try {
    const inputs: Inputs = parseInputs((name) => core.getInput(name), {
      workspace: process.env.GITHUB_WORKSPACE || process.cwd()
    });
    core.debug(`Inputs: ${JSON.stringify(inputs)}`);
    const places = actionPlaces();
    const matcher = await writeMatcher(path.dirname(places.temp));
    const docker = new Docker({ debug: (m) => core.debug(m) });
    core.info(`::add-matcher::${matcher}`);
    let result: PipelineResult;
    try {
      result = await runPipeline(inputs, {
        cache: new ActionsCache(),
        progress: new GroupProgress(),
        places,
        docker,
        user: { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 },
        dockerDir: process.env.ESP32_BUILD_DOCKER_DIR || findDockerDir(),
        runId: `${process.env.GITHUB_RUN_ID ?? 'run'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}-${Date.now()}`
      });
    } finally {
      core.info(`::remove-matcher owner=${MATCHER_OWNER}::`);
    }
    core.saveState(STATE_SAVES, JSON.stringify(result.saves));
    setOutputs(result);
    await writeSummary(result);
    if (result.artifacts.firmware) core.info(`Firmware: ${result.artifacts.firmware}`);
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}

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
    const log = {
      info: (m: string) => core.info(m),
      warning: (m: string) => core.warning(m),
      debug: (m: string) => core.debug(m),
      output: (m: string) => core.info(m)
    };
    const saved = await performSaves(saves, cache, new Docker({ debug: (m) => core.debug(m) }), log);
    core.info(`Saved ${saved.length} of ${saves.length} cache entries.`);
  } catch (error) {
    core.warning(`Saving caches failed: ${(error as Error).message}`);
  }
}
