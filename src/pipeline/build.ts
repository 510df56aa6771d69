import path from 'node:path';
import { lastCompilerErrors } from '../diagnostics.js';
import { ExecError } from '../exec.js';
import { CONTAINER } from '../layout.js';
import type { Log } from '../ports.js';
import type { ComponentsOffline } from './component-cache.js';
import { containerName, Docker, dockerRunArgs, type ContainerSpec, type Mount } from './docker.js';
import { gitMounts } from './git-entries.js';
import { containerPath, hostPathsField, type HostPaths } from './host-paths.js';
import { SUBMODULES_SCRIPT } from './submodules.js';
import type { Resolution } from './resolve/index.js';

export interface User {
  uid: number;
  gid: number;
}

/** What a build container needs, all of it already prepared on the host. */
export interface BuildPlan {
  /** Absolute path of the MicroPython tree; mounted at the same path (on Windows at its /<drive>/… name, host-paths.ts). */
  tree: string;
  /**
   * A directory holding the tree (the runner's workspace), mounted read-only
   * at its own path, so make-args may name files beside the tree
   * (FROZEN_MANIFEST, USER_C_MODULES); the tree alone is writable.
   */
  mountRoot?: string;
  /** Every `.git` file or directory in the tree, each mounted read-only over itself (git-entries.ts). */
  gitEntries?: string[];
  resolution: Pick<Resolution, 'buildSystem' | 'board' | 'boardVariant' | 'portSubmodules'>;
  jobs: number;
  makeArgs: string[];
  targets: string[];
  image: string;
  idfPath: string;
  toolsPath: string;
  /** The ESP-IDF entry on the host and its cache key: named when export.sh did not take. */
  idfEntry?: { dir: string; key: string };
  /** Legacy builds: host dir holding bin/xtensa-esp32-elf-gcc. */
  toolchainDir?: string;
  /** Host ccache dir, when ccache is on. */
  ccacheDir?: string;
  /** Host dir of the component manager's download cache (MicroPython v1.21 and later). */
  componentsDir?: string;
  /** Where the component manager downloads from, when not from Espressif's registry (see mirrors.ts). */
  componentEnv?: Record<string, string>;
  /** Set when the component cache covers the lock: the registry the build must not reach (component-locks.ts). */
  componentsOffline?: ComponentsOffline;
  /** Unset: the image's own user (Docker Desktop on Windows, see users.ts). */
  user?: User;
  hostPaths?: HostPaths;
  network?: string;
  /** A board on a serial port, for deploy and erase. */
  serial?: SerialAttachment;
}

/**
 * A serial port in the container. A real adapter is passed with --device; a
 * pseudo-terminal (a virtual port, a bridge, an emulator) is bind-mounted,
 * since --device does not work for those. Either way the container gets the
 * GID that owns the port on the host, never one baked into the image.
 */
export interface SerialAttachment {
  host: string;
  container: string;
  kind: 'device' | 'bind';
  gid?: number;
}

/**
 * The build, as one fixed script: every value from the user arrives as a
 * positional argument, never as shell text.
 */
export const BUILD_SCRIPT = [
  'set -e',
  'jobs=$1; nboard=$2; shift 2',
  'board=("${@:1:$nboard}"); shift "$nboard"',
  'start=$(date +%s%N)',
  'make -C mpy-cross -j"$jobs"',
  'make -C ports/esp32 -j"$jobs" "${board[@]}" "$@"',
  'echo "esp32-build: make finished in $(( ($(date +%s%N) - start) / 1000000 )) ms"'
].join('\n');

/** The port make's duration, as the build script reports it. Pure. */
export function makeDuration(output: string): number | undefined {
  const match = /^esp32-build: make finished in (\d+) ms$/m.exec(output);
  return match ? Number(match[1]) : undefined;
}

/** BOARD= and BOARD_VARIANT= for the port's make. Pure. */
export function boardArgs(resolution: Pick<Resolution, 'board' | 'boardVariant'>): string[] {
  const args: string[] = [];
  if (resolution.board) args.push(`BOARD=${resolution.board}`);
  if (resolution.boardVariant) args.push(`BOARD_VARIANT=${resolution.boardVariant}`);
  return args;
}

/** The directory mounted for the tree: the mount root when it holds the tree, else the tree. Pure. */
export function mountedRoot(plan: Pick<BuildPlan, 'tree' | 'mountRoot'>): string {
  if (!plan.mountRoot) return plan.tree;
  const inside = path.relative(plan.mountRoot, plan.tree);
  return inside === '' || (!inside.startsWith('..') && !path.isAbsolute(inside)) ? plan.mountRoot : plan.tree;
}

/**
 * The workspace read-only, the tree in it writable, each `.git` in the tree
 * read-only again: a build writes its own tree, nothing beside it, and no
 * git config or hook that git on the host would run. Pure.
 */
export function treeMounts(
  plan: Pick<BuildPlan, 'tree' | 'mountRoot' | 'gitEntries' | 'hostPaths'>
): Mount[] {
  const root = mountedRoot(plan);
  const mounts: Mount[] =
    root === plan.tree
      ? [{ host: root, container: root }]
      : [
          { host: root, container: root, readonly: true },
          { host: plan.tree, container: plan.tree }
        ];
  const all = [...mounts, ...gitMounts(plan.tree, plan.gitEntries ?? [], plan.hostPaths)];
  return all.map((mount) => ({ ...mount, container: containerPath(mount.host, plan.hostPaths) }));
}

/**
 * The mounts and environment each era's build needs. ESP-IDF, its tools and
 * the toolchain are read-only: a build writes nothing into them (Python
 * writes no bytecode there either), so no tree can change what the next
 * build, or a cache, gets. Pure.
 */
export function buildEnvironment(plan: BuildPlan): { mounts: Mount[]; env: Record<string, string> } {
  const mounts: Mount[] = [
    ...treeMounts(plan),
    { host: plan.idfPath, container: CONTAINER.idfPath, readonly: true }
  ];
  const env: Record<string, string> = {
    HOME: CONTAINER.home,
    IDF_PATH: CONTAINER.idfPath,
    PYTHONDONTWRITEBYTECODE: '1'
  };
  if (plan.resolution.buildSystem === 'make') {
    env.ESPIDF = CONTAINER.idfPath;
    // v1.9.4 runs its partition tool with $(PYTHON2); the image has python3 only.
    env.PYTHON2 = 'python3';
    if (plan.toolchainDir) {
      mounts.push({ host: plan.toolchainDir, container: CONTAINER.toolchain, readonly: true });
      env.ESP32_DEVEL_TOOLCHAIN = CONTAINER.toolchain;
    }
  } else {
    mounts.push({ host: plan.toolsPath, container: CONTAINER.idfToolsPath, readonly: true });
    env.IDF_TOOLS_PATH = CONTAINER.idfToolsPath;
    env.ESP32_DEVEL_EXPORT = '1';
    // Manager 2.x checks for newer component versions on every build by default: a
    // registry request per component and a git fetch per git dependency.
    env.IDF_COMPONENT_CHECK_NEW_VERSION = '0';
    Object.assign(env, plan.componentEnv ?? {});
    if (plan.componentsOffline) env.IDF_COMPONENT_STORAGE_URL = plan.componentsOffline.storage;
    if (plan.componentsDir) {
      mounts.push({ host: plan.componentsDir, container: CONTAINER.componentsDir });
      env.IDF_COMPONENT_CACHE_PATH = CONTAINER.componentsDir;
    }
    if (plan.idfEntry) {
      env.ESP32_DEVEL_IDF_ENTRY = plan.idfEntry.dir;
      env.ESP32_DEVEL_IDF_KEY = plan.idfEntry.key;
    }
    if (plan.ccacheDir) {
      // No CCACHE_BASEDIR: every path is the same from run to run (the tree at
      // its own path, ESP-IDF at a fixed one), and a base dir would make gcc
      // print relative file names that the problem matcher cannot place.
      mounts.push({ host: plan.ccacheDir, container: CONTAINER.ccacheDir });
      Object.assign(env, { IDF_CCACHE_ENABLE: '1', CCACHE_DIR: CONTAINER.ccacheDir, CCACHE_MAXSIZE: '500M' });
    }
  }
  if (plan.serial?.kind === 'bind') mounts.push({ host: plan.serial.host, container: plan.serial.container });
  return { mounts, env };
}

function serialArgs(serial: SerialAttachment | undefined): Pick<ContainerSpec, 'devices' | 'groupAdd'> {
  if (!serial) return {};
  return {
    devices: serial.kind === 'device' ? [`${serial.host}:${serial.container}`] : [],
    groupAdd: serial.gid !== undefined ? [serial.gid] : []
  };
}

/** The container that builds mpy-cross and the firmware. Pure but for the name. */
export function buildContainer(plan: BuildPlan, name = containerName('make')): ContainerSpec {
  const board = boardArgs(plan.resolution);
  return {
    ...inTree(plan, plan.tree, name),
    ...serialArgs(plan.serial),
    command: [
      'bash',
      '-c',
      BUILD_SCRIPT,
      'esp32-build',
      String(plan.jobs),
      String(board.length),
      ...board,
      ...plan.makeArgs,
      ...plan.targets
    ]
  };
}

/**
 * `make ARGS` in `cwd` (somewhere inside the tree), with the era's
 * environment: what the `esp32` alias runs. Pure but for the name.
 */
export function makeContainer(
  plan: BuildPlan,
  cwd: string,
  args: string[],
  name = containerName('make')
): ContainerSpec {
  return { ...inTree(plan, cwd, name), ...serialArgs(plan.serial), command: ['make', ...args] };
}

/** A container that runs the port's make in `cwd` (inside the tree), with the era's environment. Pure. */
function inTree(plan: BuildPlan, cwd: string, name: string): Omit<ContainerSpec, 'command'> {
  return {
    image: plan.image,
    name,
    user: plan.user,
    workdir: containerPath(cwd, plan.hostPaths),
    network: plan.network,
    ...buildEnvironment(plan),
    loopbackHosts: plan.componentsOffline?.hosts,
    ...hostPathsField(plan.hostPaths)
  };
}

/** Options of make that take the next argument as their value. */
const MAKE_WITH_VALUE = new Set([
  '-C',
  '-f',
  '-I',
  '-o',
  '-W',
  '--directory',
  '--file',
  '--makefile',
  '--include-dir',
  '--old-file',
  '--assume-old',
  '--new-file',
  '--assume-new',
  '--what-if'
]);

/** Which of make's arguments are goals: not options, their values or variable assignments. Pure. */
export function makeGoalIndices(args: readonly string[]): number[] {
  const goals: number[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const numberFollows = /^\d+(\.\d+)?$/.test(args[i + 1] ?? '');
    if (MAKE_WITH_VALUE.has(arg) || (['-j', '-l', '--jobs', '--load-average'].includes(arg) && numberFollows))
      i++;
    else if (!arg.startsWith('-') && !arg.includes('=')) goals.push(i);
  }
  return goals;
}

/**
 * The port's `make submodules`, answered without writing .git: its own
 * make, with a git that only names the paths (submodules.ts). `args` are
 * make's other arguments (the board, -C). Pure but for the name.
 */
export function submodulesContainer(
  plan: BuildPlan,
  cwd: string,
  args: string[],
  name = containerName('submodules')
): ContainerSpec {
  return { ...inTree(plan, cwd, name), command: ['bash', '-c', SUBMODULES_SCRIPT, 'esp32-build', ...args] };
}

export interface InstallPlan {
  image: string;
  idfPath: string;
  toolsPath: string;
  chips: string[];
  /** The environment that points install.sh at mirrors (see mirrors.ts). */
  mirrorEnv?: Record<string, string>;
  user?: User;
  hostPaths?: HostPaths;
  network?: string;
}

/** ESP-IDF's install.sh for just the chips the build needs. Pure but for the name. */
export function installContainer(plan: InstallPlan, name = containerName('install')): ContainerSpec {
  const env: Record<string, string> = {
    HOME: CONTAINER.home,
    IDF_PATH: CONTAINER.idfPath,
    IDF_TOOLS_PATH: CONTAINER.idfToolsPath
  };
  Object.assign(env, plan.mirrorEnv ?? {});
  return {
    image: plan.image,
    name,
    user: plan.user,
    workdir: CONTAINER.idfPath,
    network: plan.network,
    mounts: [
      { host: plan.idfPath, container: CONTAINER.idfPath },
      { host: plan.toolsPath, container: CONTAINER.idfToolsPath }
    ],
    env,
    ...hostPathsField(plan.hostPaths),
    command: [`${CONTAINER.idfPath}/install.sh`, plan.chips.join(',')]
  };
}

export class BuildError extends Error {
  constructor(
    message: string,
    /** What the container printed, when one ran. */
    readonly output = ''
  ) {
    super(message);
    this.name = 'BuildError';
  }
}

/**
 * What an exit code of 128 + a signal says about a container that was
 * stopped rather than failing by itself; undefined for any other code. Pure.
 */
export function stoppedFromOutside(code: number | null | undefined): string | undefined {
  if (code === 137) {
    return 'killed (SIGKILL), most often because the machine or the container ran out of memory; try fewer parallel jobs (jobs: 1) or a machine with more memory';
  }
  if (code === 143)
    return 'stopped (SIGTERM) from outside the build: docker stop, a shutdown, or a cancelled job';
  return undefined;
}

/**
 * Run a container to completion, streaming its output. Cancelled through
 * `signal`, the container is removed rather than left running.
 */
export async function runContainer(
  docker: Docker,
  spec: ContainerSpec,
  log: Log,
  what: string,
  signal?: AbortSignal
): Promise<string> {
  const lines: string[] = [];
  const stop = () => void docker.remove(spec.name);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await docker.run(dockerRunArgs(spec), {
      debug: log.debug,
      signal,
      onLine: (line) => {
        lines.push(line);
        log.output(line);
      }
    });
    return lines.join('\n');
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
    const output = lines.join('\n');
    if (signal?.aborted) throw error;
    const engine = await docker.run(['version', '--format', '{{.Server.Version}}'], { allowFailure: true });
    if (engine.code !== 0) {
      throw new BuildError(
        `The Docker engine stopped during this step (${what}, exit code ${error.code ?? 'none'}). Start it again (sudo systemctl start docker) and re-run: the caches are as they were before this step, and whatever it left half-made is set aside on the next run.`,
        output
      );
    }
    const errors = lastCompilerErrors(output);
    const detail = errors.length
      ? `Last compiler errors:\n${errors.join('\n')}`
      : `Last lines of output:\n${output.split('\n').slice(-20).join('\n')}`;
    const why = stoppedFromOutside(error.code);
    throw new BuildError(
      `${what} failed (exit code ${error.code ?? 'none'}${why ? `: ${why}` : ''}).\n${detail}`,
      output
    );
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
