import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { withFaultHints } from '../diagnostics.js';
import { parseInputs, type Inputs } from '../inputs.js';
import { maskCredentials, redact } from '../secrets.js';
import { Docker } from '../pipeline/docker.js';
import { findDockerDir } from '../pipeline/image.js';
import type { RunContext } from '../pipeline/cache-scope.js';
import type { Places } from '../ports.js';
import { runGone, sweepLeftovers } from '../pipeline/partials.js';
import { resolveInputs, runPipeline, type BuildResult } from '../pipeline/index.js';
import type { Resolution } from '../pipeline/resolve/index.js';
import { cacheHits, summaryRows } from '../pipeline/summary.js';
import { ActionsCache, GroupProgress, RunnerToolStore, actionPlaces } from './ports.js';
import { MATCHER_OWNER, writeMatcher } from './matcher.js';
import { STATE_SAVES } from './state.js';

/** What the tree says: set by a build and by resolve-only alike. */
function setResolutionOutputs(r: Resolution): void {
  core.setOutput('idf-version', r.idf.ref);
  core.setOutput('supported-idf-versions', JSON.stringify(r.idf.supported));
  core.setOutput('micropython-version', r.micropythonVersion ?? '');
  core.setOutput('build-system', r.buildSystem);
  core.setOutput('board', r.board);
  core.setOutput('toolchain', r.toolchain?.version ?? '');
}

function setOutputs(result: BuildResult): void {
  setResolutionOutputs(result.resolution);
  core.setOutput('firmware', result.artifacts.firmware ?? '');
  core.setOutput('build-dir', result.artifacts.buildDir);
  core.setOutput('artifacts', result.artifacts.files.join('\n'));
  core.setOutput('idf-commit', result.idf.commit);
  core.setOutput('image', result.image.ref);
  core.setOutput('image-source', result.image.source);
  core.setOutput('cache-hit', JSON.stringify(cacheHits(result)));
}

async function writeSummary(result: BuildResult): Promise<void> {
  const rows = summaryRows(result).map(([name, value]) => [{ data: name, header: true }, value]);
  await core.summary
    .addHeading(`MicroPython firmware for ${result.resolution.board || 'ESP32'}`, 3)
    .addTable(rows)
    .addList(result.artifacts.files.map((f) => path.basename(f)))
    .write();
}

/** What the runner says about this workflow run: the scope of the caches the build writes. */
function runContext(): RunContext {
  let defaultBranch: unknown;
  try {
    const event = JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH ?? '', 'utf8')) as {
      repository?: { default_branch?: unknown };
    };
    defaultBranch = event.repository?.default_branch;
  } catch {
    // No event payload: no default branch to fall back on.
  }
  return {
    event: process.env.GITHUB_EVENT_NAME || undefined,
    ref: process.env.GITHUB_REF || undefined,
    defaultBranch: typeof defaultBranch === 'string' && defaultBranch ? defaultBranch : undefined
  };
}

/**
 * What runs of this host that are gone left half-written or set aside in the
 * tool cache (self-hosted runners keep it), and their toolchain downloads.
 */
function sweepStore(places: Places): void {
  for (const dir of sweepLeftovers([path.join(places.root, 'idf'), places.temp], runGone)) {
    core.info(`Removed ${dir}, left half-written by an interrupted run`);
  }
}

/** The action's main step. */
export async function main(): Promise<void> {
  try {
    const inputs: Inputs = parseInputs((name) => core.getInput(name), {
      workspace: process.env.GITHUB_WORKSPACE || process.cwd()
    });
    maskCredentials(inputs.idfRepoCredentials, (secret) => core.setSecret(secret));
    core.debug(`Inputs: ${JSON.stringify(inputs)}`);
    if (inputs.resolveOnly) {
      const resolution = await resolveInputs(inputs);
      for (const warning of resolution.warnings) core.warning(warning);
      setResolutionOutputs(resolution);
      core.info(
        `MicroPython ${resolution.micropythonVersion ?? '(unknown)'}: ESP-IDF ${resolution.idf.ref}, supported ${resolution.idf.supported.join(', ')}`
      );
      return;
    }
    // resolve-only above needs no Docker; a build does.
    if (process.platform !== 'linux') {
      throw new Error(
        `This action runs the build in a Linux container, which needs a Linux runner with Docker (runs-on: ubuntu-latest); this runner is ${process.platform}.`
      );
    }
    const places = actionPlaces();
    sweepStore(places);
    const matcher = await writeMatcher(path.dirname(places.temp));
    const docker = new Docker({ debug: (m) => core.debug(m) });
    core.info(`::add-matcher::${matcher}`);
    // The runner cancels a job with SIGINT, then SIGTERM: stop every process and container.
    const cancel = new AbortController();
    const onSignal = () => cancel.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let result: BuildResult;
    try {
      result = await runPipeline(inputs, {
        cache: new ActionsCache(),
        tools: new RunnerToolStore(),
        signal: cancel.signal,
        progress: new GroupProgress(),
        places,
        docker,
        user: { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 },
        dockerDir: findDockerDir(),
        mountRoot: process.env.GITHUB_WORKSPACE || undefined,
        run: runContext(),
        runId: `${process.env.GITHUB_RUN_ID ?? 'run'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}-${Date.now()}`
      });
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      core.info(`::remove-matcher owner=${MATCHER_OWNER}::`);
    }
    core.saveState(STATE_SAVES, JSON.stringify(result.saves));
    setOutputs(result);
    await writeSummary(result);
    if (result.artifacts.firmware) core.info(`Firmware: ${result.artifacts.firmware}`);
  } catch (error) {
    core.setFailed(redact(withFaultHints((error as Error).message)));
  }
}
