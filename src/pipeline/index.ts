import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Inputs } from '../inputs.js';
import type { CacheStore, Places, Progress } from '../ports.js';
import { findArtifacts, type Artifacts } from './artifacts.js';
import {
  BuildError,
  buildContainer,
  installContainer,
  makeDuration,
  runContainer,
  type BuildPlan,
  type SerialAttachment,
  type User
} from './build.js';
import type { Docker } from './docker.js';
import { markComplete, prepareIdf, pruneInstall, type PreparedIdf } from './idf.js';
import { declaredPython, prepareImage, type PreparedImage } from './image.js';
import { ccacheKey, ccacheRestoreKeys, shortHash } from './keys.js';
import { resolveTree, type Resolution, type ResolveOptions } from './resolve.js';
import type { PendingSave } from './saves.js';
import { prepareToolchain, type PreparedToolchain } from './toolchain.js';
import { readTreeSnapshot } from './tree.js';
import { fingerprint } from './fingerprint.js';
import type { DownloadProgress } from './download.js';

/** Everything the pipeline needs from its front end. */
export interface PipelineEnv {
  cache: CacheStore;
  progress: Progress;
  places: Places;
  docker: Docker;
  user: User;
  dockerDir: string;
  /** Something unique to this run (the ccache entry of each run is its own). */
  runId: string;
  onDownloadProgress?: (p: DownloadProgress) => void;
  /** A directory holding the tree to mount whole (the runner's workspace), so make-args can name files in it. */
  mountRoot?: string;
  /** git's progress lines while ESP-IDF is cloned (asks git for --progress). */
  onGitLine?: (line: string) => void;
}

export interface CcacheState {
  dir: string;
  /** Where its contents came from: the restored key, or 'this machine'; undefined when empty. */
  hit?: string;
  /** What the directory held before the build; unchanged means nothing to save. */
  fingerprint: string;
}

/** Everything a container needs, ready on this machine. */
export interface Prepared {
  resolution: Resolution;
  image: PreparedImage;
  toolchain?: PreparedToolchain;
  idf: PreparedIdf;
  ccache?: CcacheState;
  /** Wall time of each phase so far, in milliseconds. */
  durations: Record<string, number>;
}

export interface PipelineResult extends Prepared {
  artifacts: Artifacts;
  /** Entries for the post step to save (empty when caching is off). */
  saves: PendingSave[];
  /** Wall time of each phase, in milliseconds. */
  durations: Record<string, number>;
  /** The make commands' own time inside the container. */
  makeMs?: number;
}

async function timed<T>(durations: Record<string, number>, name: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    durations[name] = Math.round(performance.now() - start);
  }
}

/** What the resolver needs from the inputs. Pure. */
export function resolveOptions(inputs: Inputs): ResolveOptions {
  return {
    idfVersion: inputs.idfVersion,
    board: inputs.board,
    boardVariant: inputs.boardVariant,
    toolchainUrl: inputs.toolchainUrl,
    toolchainSha256: inputs.toolchainSha256
  };
}

/** Read the tree and decide everything about the build. No network, no Docker. */
export async function resolveInputs(inputs: Inputs): Promise<Resolution> {
  return resolveTree(await readTreeSnapshot(inputs.micropythonPath), resolveOptions(inputs));
}

/** The whole job: prepare, build, find the firmware, list what to save. */
export async function runPipeline(inputs: Inputs, env: PipelineEnv): Promise<PipelineResult> {
  const prepared = await prepare(inputs, env);
  const { resolution, durations } = prepared;
  let makeMs: number | undefined;
  await timed(durations, 'build', () =>
    env.progress.phase('Build the firmware', async (log) => {
      const spec = buildContainer(buildPlan(prepared, inputs, env));
      const output = await runContainer(env.docker, spec, log, 'The build');
      makeMs = makeDuration(output);
    })
  );

  const artifacts = findArtifacts(inputs.micropythonPath, resolution.buildDir, resolution.buildSystem);
  if (inputs.targets.length === 0 && !artifacts.firmware) {
    throw new BuildError(
      `make succeeded but left no firmware.bin in ${artifacts.buildDir}. Is this a MicroPython ESP32 port whose build writes there?`
    );
  }
  return { ...prepared, artifacts, saves: pendingSaves(prepared, inputs, env), makeMs };
}

/** The plan of a build container for this tree; `serial` attaches a board. */
export function buildPlan(
  prepared: Prepared,
  inputs: Inputs,
  env: PipelineEnv,
  serial?: SerialAttachment
): BuildPlan {
  return {
    tree: inputs.micropythonPath,
    mountRoot: env.mountRoot,
    resolution: prepared.resolution,
    jobs: inputs.jobs,
    makeArgs: inputs.makeArgs,
    targets: inputs.targets,
    image: prepared.image.ref,
    idfPath: prepared.idf.idfPath,
    toolsPath: prepared.idf.toolsPath,
    toolchainDir: prepared.toolchain?.dir,
    ccacheDir: prepared.ccache?.dir,
    user: env.user,
    network: inputs.network,
    serial
  };
}

function pendingSaves(prepared: Prepared, inputs: Inputs, env: PipelineEnv): PendingSave[] {
  const saves: PendingSave[] = [];
  if (!inputs.cache) return saves;
  for (const s of [prepared.image.save, prepared.toolchain?.save, prepared.idf.save]) if (s) saves.push(s);
  if (prepared.ccache) {
    const stem = ccacheStem(inputs, prepared.resolution);
    saves.push({
      kind: 'ccache',
      key: ccacheKey({ ...stem, run: env.runId }),
      paths: [prepared.ccache.dir],
      unchanged: prepared.ccache.fingerprint
    });
  }
  return saves;
}

/**
 * Resolve the tree, then prepare the image, the toolchain, ESP-IDF and ccache
 * at once, then install ESP-IDF's tools: everything short of running make.
 */
export async function prepare(inputs: Inputs, env: PipelineEnv): Promise<Prepared> {
  const { progress, docker } = env;
  const durations: Record<string, number> = {};
  await mkdir(env.places.root, { recursive: true });
  await mkdir(env.places.temp, { recursive: true });
  const useCache = inputs.cache;

  const resolution = await timed(durations, 'resolve', () =>
    progress.phase('Resolve the MicroPython tree', async (log) => {
      const resolved = await resolveInputs(inputs);
      for (const warning of resolved.warnings) log.warning(warning);
      log.info(
        `MicroPython ${resolved.micropythonVersion ?? '(unknown version)'}, ${resolved.buildSystem} build, board ${resolved.board || '(default)'}` +
          `${resolved.boardVariant ? ` variant ${resolved.boardVariant}` : ''}, chips ${resolved.chips.join(', ')}, ESP-IDF ${resolved.idf.ref} (from ${resolved.idf.pinSource})`
      );
      log.info(`Docker engine ${await docker.check()}`);
      return resolved;
    })
  );

  const imageReady = timed(durations, 'image', () =>
    progress.phase(
      'Build image',
      (log) =>
        prepareImage(
          { image: inputs.image, dockerDir: env.dockerDir, network: inputs.network },
          { ...env, useCache, log }
        ),
      { concurrent: true }
    )
  );
  const python =
    inputs.image === 'build'
      ? declaredPython(await readFile(path.join(env.dockerDir, 'Dockerfile'), 'utf8'))
      : imageReady.then((image) => image.python);
  const toolchainReady = resolution.toolchain
    ? timed(durations, 'toolchain', () =>
        progress.phase(
          'Xtensa toolchain',
          (log) =>
            prepareToolchain(resolution.toolchain!, {
              ...env,
              useCache,
              log,
              onProgress: env.onDownloadProgress
            }),
          { concurrent: true }
        )
      )
    : Promise.resolve(undefined);
  const idfReady = timed(durations, 'idf', () =>
    progress.phase(
      'ESP-IDF',
      async (log) =>
        prepareIdf(
          {
            repo: inputs.idfRepo,
            ref: resolution.idf.ref,
            chips: resolution.chips,
            python: await python,
            install: resolution.buildSystem === 'cmake'
          },
          { ...env, useCache, log }
        ),
      { concurrent: true }
    )
  );
  const ccacheReady =
    inputs.ccache && resolution.buildSystem === 'cmake'
      ? timed(durations, 'ccache', () =>
          progress.phase('ccache', (log) => restoreCcache(inputs, resolution, env, log), { concurrent: true })
        )
      : Promise.resolve(undefined);

  // Wait for every phase, so none is left running when one fails.
  const settled = await Promise.allSettled([imageReady, toolchainReady, idfReady, ccacheReady]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const [image, toolchain, idf, ccache] = settled.map(
    (s) => (s as PromiseFulfilledResult<unknown>).value
  ) as [PreparedImage, PreparedToolchain | undefined, PreparedIdf, CcacheState | undefined];

  if (idf.needsInstall) {
    await timed(durations, 'install', () =>
      progress.phase(`ESP-IDF tools for ${resolution.chips.join(', ')}`, async (log) => {
        await mkdir(idf.toolsPath, { recursive: true });
        const spec = installContainer({
          image: image.ref,
          idfPath: idf.idfPath,
          toolsPath: idf.toolsPath,
          chips: resolution.chips,
          mirror: inputs.idfToolsMirror,
          user: env.user,
          network: inputs.network
        });
        await runContainer(docker, spec, log, 'ESP-IDF install.sh');
        await pruneInstall(idf);
        await markComplete(idf, resolution.chips);
      })
    );
  }

  return { resolution, image, toolchain, idf, ccache, durations };
}

function ccacheStem(inputs: Inputs, resolution: Resolution) {
  return {
    idfKey: `${inputs.idfRepo}|${resolution.idf.ref}|${resolution.chips.join('+')}`,
    board: resolution.board,
    variant: resolution.boardVariant
  };
}

/** Where ccache keeps a build's objects on this machine: one directory per ESP-IDF and board. */
export function ccacheDir(inputs: Inputs, resolution: Resolution, root: string): string {
  return path.join(root, 'ccache', shortHash(JSON.stringify(ccacheStem(inputs, resolution)), 16));
}

/** ccache's directory: kept on this machine, seeded from the newest cached one. */
async function restoreCcache(
  inputs: Inputs,
  resolution: Resolution,
  env: PipelineEnv,
  log: import('../ports.js').Log
): Promise<CcacheState> {
  const stem = ccacheStem(inputs, resolution);
  const dir = ccacheDir(inputs, resolution, env.places.root);
  await mkdir(dir, { recursive: true });
  const before = await fingerprint(dir);
  let hit: string | undefined;
  if (before.files > 0) {
    hit = 'this machine';
    log.info(`Using the ccache on this machine (${before.files} files)`);
  } else if (inputs.cache && env.cache.available) {
    const restoreKeys = ccacheRestoreKeys(stem);
    hit = await env.cache.restore([dir], restoreKeys[0], restoreKeys);
    log.info(hit ? `Restored ccache from ${hit}` : 'No cached ccache yet');
    // Only a restore changes the directory: otherwise what was read before still holds.
    if (hit) return { dir, hit, fingerprint: (await fingerprint(dir)).id };
  }
  return { dir, hit, fingerprint: before.id };
}
