/**
 * --dry-run: what a command would do, as the docker commands it would run
 * (with the same argv the pipeline builds) and comments for the rest. Only
 * looks: nothing is downloaded, cloned, built or started.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tc from '@actions/tool-cache';
import { formatArgv } from '../exec.js';
import type { Inputs } from '../inputs.js';
import { buildContainer, installContainer, makeContainer, type SerialAttachment } from '../pipeline/build.js';
import { dockerRunArgs } from '../pipeline/docker.js';
import { entryPaths, idfEntryDir, MARKER } from '../pipeline/idf.js';
import { declaredPython, imageBuildArgs, imageInputsHash, imageRef } from '../pipeline/image.js';
import { buildPlan, ccacheDir, type PipelineEnv, type Prepared } from '../pipeline/index.js';
import { toolCacheVersion, type RefKind } from '../pipeline/keys.js';
import type { Resolution } from '../pipeline/resolve.js';
import { TOOL_NAME, toolCachePath } from '../pipeline/toolchain.js';

const docker = (args: string[]) => formatArgv('docker', args);

export interface ImagePlan {
  ref: string;
  python: string;
  lines: string[];
}

/** The image step: present, or the docker build / pull that would make it. */
export async function planImage(
  inputs: Pick<Inputs, 'image' | 'network'>,
  env: PipelineEnv
): Promise<ImagePlan> {
  const present = (ref: string) => env.docker.hasImage(ref).catch(() => false);
  const python = declaredPython(await readFile(path.join(env.dockerDir, 'Dockerfile'), 'utf8'));
  if (inputs.image === 'build') {
    const hash = await imageInputsHash(env.dockerDir);
    const ref = imageRef(hash);
    const lines = (await present(ref))
      ? [`# image ${ref} is present`]
      : [docker(imageBuildArgs(ref, hash, { dockerDir: env.dockerDir, network: inputs.network }))];
    return { ref, python, lines };
  }
  const ref = inputs.image;
  return {
    ref,
    python,
    lines: [
      (await present(ref)) ? `# image ${ref} is present` : docker(['pull', ref]),
      `# (assuming ${ref} has Python ${python}, as docker/Dockerfile does)`
    ]
  };
}

/** How a ref would be fetched: a full hash is a commit, a version a tag, anything else a branch. Pure. */
export function guessRefKind(ref: string): RefKind {
  if (/^[0-9a-f]{40}$/.test(ref)) return 'commit';
  return /^v\d+(\.\d+)*(-[A-Za-z0-9.]+)?$/.test(ref) ? 'tag' : 'branch';
}

export interface Serial {
  attachment?: SerialAttachment;
  makeArgs: string[];
}

export type DryRunStep =
  | { kind: 'setup' }
  | { kind: 'build'; then?: { cwd: string; args: string[]; serial?: SerialAttachment } }
  | { kind: 'make'; cwd: string; args: string[]; serial?: SerialAttachment };

/** Every step of a setup/build/deploy/erase/make, as lines to print. */
export async function planRun(
  inputs: Inputs,
  resolution: Resolution,
  env: PipelineEnv,
  step: DryRunStep
): Promise<string[]> {
  const image = await planImage(inputs, env);
  const lines = [...image.lines];
  const root = env.places.root;

  let toolchainDir: string | undefined;
  if (resolution.toolchain) {
    const spec = resolution.toolchain;
    const version = toolCacheVersion(spec.version, spec.sha256 ?? '');
    const found = tc.find(TOOL_NAME, version, 'x64');
    toolchainDir = found || toolCachePath(version);
    lines.push(
      found
        ? `# toolchain ${spec.version} is present in ${found}`
        : `# would download ${spec.url} (SHA-256 ${spec.sha256}) into ${toolchainDir}`
    );
  }

  const base = {
    repo: inputs.idfRepo,
    ref: resolution.idf.ref,
    chips: resolution.chips,
    python: image.python
  };
  const entry = (kind: RefKind) => idfEntryDir(root, { ...base, kind });
  const kinds: RefKind[] = guessRefKind(base.ref) === 'commit' ? ['commit'] : ['tag', 'branch'];
  const present = kinds.find((kind) => existsSync(path.join(entry(kind), MARKER)));
  const idfDir = entry(present ?? guessRefKind(base.ref));
  if (present) {
    lines.push(`# ESP-IDF ${base.ref} is present in ${idfDir}`);
  } else {
    lines.push(`# would clone ${inputs.idfRepo} at ${base.ref} with its submodules into ${idfDir}`);
    if (resolution.buildSystem === 'cmake') {
      lines.push(
        docker(
          dockerRunArgs(
            installContainer({
              image: image.ref,
              ...entryPaths(idfDir),
              chips: resolution.chips,
              mirror: inputs.idfToolsMirror,
              user: env.user,
              network: inputs.network
            })
          )
        )
      );
    }
  }
  if (step.kind === 'setup') return lines;

  const prepared: Prepared = {
    resolution,
    image: { ref: image.ref, python: image.python, source: 'local' },
    toolchain: toolchainDir
      ? {
          dir: toolchainDir,
          version: resolution.toolchain!.version,
          sha256: resolution.toolchain!.sha256 ?? '',
          source: 'tool-cache'
        }
      : undefined,
    idf: {
      dir: idfDir,
      ...entryPaths(idfDir),
      commit: '',
      kind: present ?? guessRefKind(base.ref),
      key: '',
      source: 'local',
      needsInstall: false
    },
    ccache:
      inputs.ccache && resolution.buildSystem === 'cmake'
        ? { dir: ccacheDir(inputs, resolution, root), fingerprint: '' }
        : undefined,
    durations: {}
  };
  if (step.kind === 'make') {
    lines.push(
      docker(dockerRunArgs(makeContainer(buildPlan(prepared, inputs, env, step.serial), step.cwd, step.args)))
    );
    return lines;
  }
  lines.push(docker(dockerRunArgs(buildContainer(buildPlan(prepared, inputs, env)))));
  if (step.then) {
    const { cwd, args, serial } = step.then;
    lines.push(docker(dockerRunArgs(makeContainer(buildPlan(prepared, inputs, env, serial), cwd, args))));
  }
  return lines;
}
