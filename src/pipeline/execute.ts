/**
 * The run: executes a plan. Its only inputs are the plan and what it learns
 * as it goes (a restore's hit, a pulled image's Python, the commit a clone
 * got); it never reads the options again and never decides anew.
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import type { CacheStore, Log, Places, Progress, ToolStore } from '../ports.js';
import type { Artifacts } from './artifacts.js';
import { BuildError, makeDuration, runContainer, type User } from './build.js';
import { ccacheSaveKey, obtainCcache, type CcacheState } from './ccache.js';
import { collectArtifacts } from './collect-artifacts.js';
import { keepComponents } from './component-cache.js';
import { obtainComponents, type ComponentsState } from './components.js';
import { containerName, type Docker } from './docker.js';
import type { DownloadProgress } from './download.js';
import type { HeldLock } from './entry-lock.js';
import { lockKeptDir } from './kept-dir.js';
import { markComplete, obtainIdf, pruneInstall, withEntry, type PreparedIdf } from './idf.js';
import { findGitEntries, protectedPaths, removePlantedGit } from './git-entries.js';
import { obtainImage, type PreparedImage } from './image.js';
import { componentFailureHint, downloadFailureHint } from './mirrors.js';
import { plannedContainers, type Plan, type PlannedContainer } from './plan.js';
import type { Resolution } from './resolve/index.js';
import type { PendingSave } from './saves.js';
import { requestedSubmodules, updateSubmodules } from './submodules.js';
import { handOver } from './users.js';
import { containerPath } from './host-paths.js';
import { containerLabels, removeStaleContainers, type RunIdentity } from './stale-containers.js';
import { obtainToolchain, type PreparedToolchain } from './toolchain.js';

/** What the run needs besides the plan: the ports, and where its output goes. */
export interface ExecuteEnv {
  docker: Docker;
  cache: CacheStore;
  tools: ToolStore;
  places: Places;
  progress: Progress;
  /** Something unique to this run (the ccache entry of each run is its own). */
  runId: string;
  signal?: AbortSignal;
  onDownloadProgress?: (p: DownloadProgress) => void;
  /** git's progress lines while ESP-IDF is cloned (asks git for --progress). */
  onGitLine?: (line: string) => void;
}

/** Everything a container needs, ready on this machine. */
export interface Prepared {
  resolution: Resolution;
  image: PreparedImage;
  toolchain?: PreparedToolchain;
  idf: PreparedIdf;
  ccache?: CcacheState;
  components?: ComponentsState;
  /** Wall time of each phase so far, in milliseconds. */
  durations: Record<string, number>;
}

export interface PipelineResult extends Prepared {
  plan: Plan;
  /** The firmware, for a build. */
  artifacts?: Artifacts;
  /** Entries for the post step to save (empty when caching is off). */
  saves: PendingSave[];
  /** The build's make commands' own time inside the container. */
  makeMs?: number;
}

export async function timed<T>(
  durations: Record<string, number>,
  name: string,
  fn: () => Promise<T>
): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    durations[name] = Math.round(performance.now() - start);
  }
}

/** Runs the plan: prepares its resources, then runs its containers in order. */
export async function execute(
  plan: Plan,
  env: ExecuteEnv,
  durations: Record<string, number> = {}
): Promise<PipelineResult> {
  const self: RunIdentity = { run: env.runId, pid: process.pid, host: os.hostname(), started: Date.now() };
  await removeStaleContainers(env.docker, self, env.progress.log);
  const prepared = await prepareResources(plan, env, durations);
  const { makeMs, artifacts } = await runContainers(plan, prepared, { ...env, self }, durations);
  return { ...prepared, plan, artifacts, saves: pendingSaves(plan, prepared, env.runId), makeMs };
}

type RunEnv = ExecuteEnv & { self: RunIdentity };

/** The caches the build writes into (mounted read-write). */
function buildCaches(prepared: Prepared): string[] {
  return [prepared.ccache?.dir, prepared.components?.dir].filter((d): d is string => d !== undefined);
}

/** The host directories a container of this role may write besides its own scratch. */
function writableRoots(role: PlannedContainer['role'], plan: Plan, prepared: Prepared): string[] {
  return role === 'install' ? [] : [plan.settings.tree, ...buildCaches(prepared)];
}

/**
 * The containers as planned, with the paths the run prepared and what the
 * plan could not know: whether install.sh has to run, and the `.git`
 * entries in the tree just before each container (each is mounted
 * read-only; one that a container created is removed after it).
 */
async function runContainers(
  plan: Plan,
  prepared: Prepared,
  env: RunEnv,
  durations: Record<string, number>
): Promise<{ makeMs?: number; artifacts?: Artifacts }> {
  const known = {
    ...plan,
    // The image had: the published one, or the fallback when it was not.
    image: { ...plan.image, runs: prepared.image.ref },
    idf: { ...plan.idf, present: !prepared.idf.needsInstall }
  };
  const paths = {
    idfPath: prepared.idf.idfPath,
    toolsPath: prepared.idf.toolsPath,
    idfEntry: { dir: prepared.idf.dir, key: prepared.idf.key },
    toolchainDir: prepared.toolchain?.dir,
    ccacheDir: prepared.ccache?.dir,
    componentsDir: prepared.components?.dir,
    componentsOffline: prepared.components?.offline
  };
  let makeMs: number | undefined;
  let artifacts: Artifacts | undefined;
  try {
    const count = plannedContainers(known, paths).length;
    // This process, as root, made or restored the caches the build writes: they must be the build
    // user's, whoever wrote them last (root in a container has no capability to override permissions).
    const { installUser, user } = plan.settings;
    if (installUser?.uid === 0 && user) await handOver(buildCaches(prepared), user);
    for (let i = 0; i < count; i++) {
      const gitBefore = await findGitEntries([plan.settings.tree]);
      const container = plannedContainers(known, { ...paths, gitEntries: protectedPaths(gitBefore) })[i];
      let output: string;
      try {
        output = await runPlanned(container, prepared, env, durations);
      } finally {
        const roots = writableRoots(container.role, plan, prepared);
        if (roots.length) await removePlantedGit(gitBefore, roots, env.progress.log);
      }
      if (container.role === 'install') {
        await pruneInstall(prepared.idf);
        await markComplete(prepared.idf, plan.idf.chips);
      }
      if (container.role === 'submodules') await submodulesOnHost(output, plan, env);
      if (container.role === 'build') {
        makeMs = makeDuration(output);
        if (prepared.components) {
          await keepComponents(
            prepared.components.dir,
            plan.settings.tree,
            plan.components!.chips,
            env.progress.log
          );
        }
        // Before anything runs after the build (a deploy): only regular files count.
        artifacts = await builtFirmware(plan, env);
      }
    }
  } finally {
    await releaseLocks(prepared);
  }
  return { makeMs, artifacts };
}

/**
 * The locks the resources hold: ESP-IDF's while install.sh runs (given up
 * by markComplete, or here when it failed); ccache's and the component
 * cache's while any container may write them.
 */
async function releaseLocks(prepared: Partial<Prepared>): Promise<void> {
  await Promise.all([
    prepared.idf?.lock?.release(),
    prepared.ccache?.lock?.release(),
    prepared.components?.lock?.release()
  ]);
}

/** The tree's owner, when the build runs as that user rather than as this process's. */
function asOwner(plan: Plan): User | undefined {
  const { user, installUser } = plan.settings;
  if (!user || !installUser) return undefined;
  return user.uid !== installUser.uid || user.gid !== installUser.gid ? user : undefined;
}

/** The submodules the port named in its container, updated on this machine. */
async function submodulesOnHost(output: string, plan: Plan, env: RunEnv): Promise<void> {
  const tree = plan.settings.tree;
  const { paths, refused } = requestedSubmodules(output, containerPath(tree, plan.settings.hostPaths));
  await env.progress.phase('Update the submodules', async (log) => {
    for (const name of refused)
      log.warning(`Ignored a submodule the port named outside the tree or not as a plain path: ${name}`);
    if (paths.length === 0) log.info('The port names no submodule to update.');
    await updateSubmodules(tree, paths, { log, signal: env.signal, user: asOwner(plan) });
  });
}

async function runPlanned(
  container: PlannedContainer,
  prepared: Prepared,
  env: RunEnv,
  durations: Record<string, number>
): Promise<string> {
  const spec = { ...container.spec, name: containerName(container.role), labels: containerLabels(env.self) };
  const what = {
    install: 'ESP-IDF install.sh',
    submodules: "The port's make submodules",
    build: 'The build',
    make: `make ${spec.command.slice(1).join(' ')}`
  }[container.role];
  return timed(durations, container.role, () =>
    env.progress.phase(container.title, async (log) => {
      if (container.role === 'install') await mkdir(prepared.idf.toolsPath, { recursive: true });
      try {
        return await runContainer(env.docker, spec, log, what, env.signal);
      } catch (error) {
        if (!(error instanceof BuildError)) throw error;
        const hint =
          container.role === 'install'
            ? downloadFailureHint(error.output)
            : componentFailureHint(error.output);
        throw hint ? new BuildError(`${error.message}\n${hint}`, error.output) : error;
      }
    })
  );
}

async function builtFirmware(plan: Plan, env: ExecuteEnv): Promise<Artifacts | undefined> {
  if (!plan.artifacts) return undefined;
  const artifacts = await collectArtifacts(plan.artifacts);
  if (artifacts.copiedTo) {
    env.progress.log.info(`Artifacts copied, without following links, to ${artifacts.copiedTo}`);
  }
  if (plan.settings.targets.length === 0 && !artifacts.firmware) {
    throw new BuildError(
      `make succeeded but left no firmware.bin in ${artifacts.buildDir}. Is this a MicroPython ESP32 port whose build writes there?`
    );
  }
  return artifacts;
}

/**
 * The locks of the directories the build writes, taken before ESP-IDF's: every run takes
 * them in this one order (ccache's, the component cache's, then ESP-IDF's, which a run
 * may hold until install.sh is over), so no two runs each hold a lock the other waits for.
 */
async function lockKeptDirs(
  plan: Plan,
  ctx: { log: Log; signal?: AbortSignal }
): Promise<{ ccache?: HeldLock; components?: HeldLock }> {
  const ccache = plan.ccache ? await lockKeptDir(plan.ccache.dir, 'ccache', ctx) : undefined;
  try {
    const components = plan.components
      ? await lockKeptDir(plan.components.dir, 'managed components', ctx)
      : undefined;
    return { ccache, components };
  } catch (error) {
    await ccache?.release();
    throw error;
  }
}

/** The image, the toolchain, ESP-IDF and ccache at once, each as planned. */
async function prepareResources(
  plan: Plan,
  env: ExecuteEnv,
  durations: Record<string, number>
): Promise<Prepared> {
  const { progress } = env;
  await mkdir(env.places.root, { recursive: true });
  await mkdir(env.places.temp, { recursive: true });
  const base = { cache: env.cache, useCache: plan.cache.use, signal: env.signal };
  const concurrent = { concurrent: true };
  const phase = <T>(name: string, title: string, fn: (log: import('../ports.js').Log) => Promise<T>) =>
    timed(durations, name, () => progress.phase(title, fn, concurrent));

  const imageReady = phase('image', 'Build image', (log) =>
    obtainImage(plan.image, { ...base, docker: env.docker, log })
  );
  const toolchainReady = plan.toolchain
    ? phase('toolchain', 'Xtensa toolchain', (log) =>
        obtainToolchain(plan.toolchain!, {
          ...base,
          tools: env.tools,
          places: env.places,
          log,
          onProgress: env.onDownloadProgress
        })
      )
    : Promise.resolve(undefined);
  const kept = lockKeptDirs(plan, { log: progress.log, signal: env.signal });
  const idfReady = phase('idf', 'ESP-IDF', async (log) => {
    // A pulled image's Python is known only now; the entry depends on it.
    const idfPlan =
      plan.idf.python === undefined
        ? await withEntry(plan.idf, env.places.root, (await imageReady).python)
        : plan.idf;
    await kept;
    return obtainIdf(idfPlan, { ...base, places: env.places, log, onGitLine: env.onGitLine });
  });
  const ccacheReady = plan.ccache
    ? phase('ccache', 'ccache', async (log) =>
        obtainCcache(plan.ccache!, { ...base, log, lock: (await kept).ccache })
      )
    : Promise.resolve(undefined);
  const componentsReady = plan.components
    ? phase('components', 'Managed components', async (log) =>
        obtainComponents(
          plan.components!,
          { ...base, log, lock: (await kept).components },
          plan.settings.tree
        )
      )
    : Promise.resolve(undefined);

  // Wait for every phase, so none is left running when one fails.
  const settled = await Promise.allSettled([
    imageReady,
    toolchainReady,
    idfReady,
    ccacheReady,
    componentsReady
  ]);
  const [image, toolchain, idf, ccache, components] = settled.map((s) =>
    s.status === 'fulfilled' ? s.value : undefined
  ) as [
    PreparedImage,
    PreparedToolchain | undefined,
    PreparedIdf,
    CcacheState | undefined,
    ComponentsState | undefined
  ];
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await releaseLocks({ idf, ccache, components });
    throw failed.reason;
  }
  return { resolution: plan.resolution, image, toolchain, idf, ccache, components, durations };
}

function pendingSaves(plan: Plan, prepared: Prepared, runId: string): PendingSave[] {
  if (!plan.cache.use) return [];
  const saves: PendingSave[] = [];
  for (const s of [prepared.image.save, prepared.toolchain?.save, prepared.idf.save]) if (s) saves.push(s);
  // What the build itself wrote is saved only where the cache scope allows (cache-scope.ts).
  if (!plan.cache.scope.save) return saves;
  if (plan.components && prepared.components) {
    // Exactly its key: a restore never mixes in what other manifests or locks needed.
    saves.push({
      kind: 'components',
      key: plan.components.key,
      paths: [prepared.components.dir],
      unchanged: prepared.components.fingerprint,
      kept: { scopeTag: plan.components.scopeTag, what: 'managed components' }
    });
  }
  if (plan.ccache && prepared.ccache) {
    saves.push({
      kind: 'ccache',
      key: ccacheSaveKey(plan.ccache, runId),
      paths: [prepared.ccache.dir],
      unchanged: prepared.ccache.fingerprint,
      kept: { scopeTag: plan.ccache.scope.tag, what: 'ccache' }
    });
  }
  return saves;
}
