/**
 * The plan: everything the pipeline will do for a goal, as plain data, made
 * without writing anything. Planning reads the tree, asks Docker what images
 * it has, asks the ESP-IDF repository what a ref is (read-only, as
 * `git ls-remote`) and looks at what this machine keeps. What it cannot know
 * before the run (whether a cache restore hits, a pulled image's Python, a
 * branch offline) it marks as unknown, with what each outcome will do.
 */
import type { Inputs } from '../inputs.js';
import type { CacheStore, Log, Places, ToolStore } from '../ports.js';
import {
  boardArgs,
  buildContainer,
  installContainer,
  makeContainer,
  makeGoalIndices,
  submodulesContainer,
  type BuildPlan,
  type User
} from './build.js';
import { planArtifacts, type ArtifactsPlan } from './artifacts.js';
import { cacheScope, type CacheScope, type RunContext } from './cache-scope.js';
import { planCcache, type CcachePlan } from './ccache.js';
import type { ContainerSpec, Docker } from './docker.js';
import { dockerRunArgs } from './docker.js';
import { findGitEntries, protectedPaths } from './git-entries.js';
import type { Goal, MakeStep } from './goal.js';
import { entryPaths, planIdf, type IdfPlan } from './idf.js';
import { componentEnv, mirrorEnv } from './mirrors.js';
import { planComponents, type ComponentsPlan } from './components.js';
import { idfVersionOfRef } from '../idf-versions.js';
import { imageEra, pythonRange } from './era.js';
import type { HostPaths } from './host-paths.js';
import { planImage, type ImagePlan, type ImageRequest } from './image.js';
import { describeResources, type ResourceView } from './resources.js';
import type { Resolution } from './resolve/index.js';
import { plannedLabels } from './stale-containers.js';
import { planToolchain, type ToolchainPlan } from './toolchain.js';
import { containerUsers, treeOwner } from './users.js';

/** Settings of the containers, fixed when the plan is made. */
export interface ContainerSettings {
  tree: string;
  mountRoot?: string;
  jobs: number;
  makeArgs: string[];
  targets: string[];
  /** Who the containers that run the tree's code run as (users.ts); unset: the image's own user. */
  user?: User;
  /** Who install.sh runs as. */
  installUser?: User;
  /** Set when the host's paths are Windows paths (host-paths.ts). */
  hostPaths?: HostPaths;
  network?: string;
  /** The environment that points install.sh at mirrors. */
  mirrorEnv: Record<string, string>;
  /** The environment that points the component manager at a mirror of its registry. */
  componentEnv: Record<string, string>;
}

export interface PlannedContainer {
  role: 'install' | 'submodules' | 'build' | 'make';
  title: string;
  /** Set when the container runs only if something known at run time holds. */
  when?: string;
  /** What this machine does with what the container said. */
  then?: string;
  spec: ContainerSpec;
  /** `docker` and its arguments, as they will run. */
  argv: string[];
}

export interface Plan {
  goal: Goal;
  resolution: Resolution;
  /** The Docker engine's version. */
  engine: string;
  cache: { use: boolean; available: boolean; ccache: boolean; scope: CacheScope };
  image: ImagePlan;
  toolchain?: ToolchainPlan;
  idf: IdfPlan;
  ccache?: CcachePlan;
  components?: ComponentsPlan;
  settings: ContainerSettings;
  /** A build's artifacts: where they are looked for, and where they are copied. */
  artifacts?: ArtifactsPlan;
  /** For each resource: what it is, where it lives, whether it is here and how it will be had, in order. */
  resources: ResourceView[];
  containers: PlannedContainer[];
  /** What differs from run to run and so may differ between the plan and the run. */
  runSpecific: string[];
}

/** What planning may ask: the engine, the caches' availability, this machine's stores. */
export interface PlanEnv {
  docker: Docker;
  cache: CacheStore;
  tools: ToolStore;
  places: Places;
  /** This process's user (users.ts `callerUser`); unset where the containers run as the image's own. */
  user?: User;
  /** How this host names paths, when not as the container does (host-paths.ts). */
  hostPaths?: HostPaths;
  dockerDir: string;
  mountRoot?: string;
  log: Log;
  signal?: AbortSignal;
  /** The workflow run, on a runner: the scope of the caches the build writes. */
  run?: RunContext;
}

/** The run-specific values a plan holds in place of the real ones. */
export const RUN_SPECIFIC = [
  'containers[].spec.name (each run names its containers afresh)',
  'containers[].spec.labels (the run, its process, machine and start time)',
  'the read-only .git mounts (looked for again before each container: a submodule updated on this machine brings one)',
  'the ccache save key (it ends in the run id)',
  'download and clone staging paths (under the scratch directory, and .partial-<host>-<pid> siblings)'
];

const ARTIFACTS_COPY =
  'the directory the artifacts are copied to (a fresh artifacts-XXXXXX in artifacts.copyTo)';

/** A path shown where the ESP-IDF entry is not known before the run. */
export const UNKNOWN_IDF_DIR = '/unknown-until-run/esp-idf-entry';

/** The caches the build itself writes (CMake builds): ccache, and the component manager's downloads. */
async function planBuildCaches(
  inputs: Inputs,
  resolution: Resolution,
  root: string,
  scope: CacheScope
): Promise<Pick<Plan, 'ccache' | 'components'>> {
  if (resolution.buildSystem !== 'cmake') return {};
  const ccache = inputs.ccache
    ? await planCcache(
        {
          repo: inputs.idfRepo,
          ref: resolution.idf.ref,
          chips: resolution.chips,
          board: resolution.board,
          variant: resolution.boardVariant
        },
        root,
        scope
      )
    : undefined;
  const components = await planComponents(
    inputs.micropythonPath,
    { idfRef: resolution.idf.ref, chips: resolution.chips, registry: inputs.mirrors.componentRegistry },
    root,
    scope
  );
  return { ccache, components };
}

/** Plans a goal for a resolved tree. Writes nothing. */
export async function makePlan(
  inputs: Inputs,
  resolution: Resolution,
  goal: Goal,
  env: PlanEnv
): Promise<Plan> {
  const engine = await env.docker.check();
  const image = await planImage(
    { ...imageRequest(inputs, env.dockerDir, resolution), cached: inputs.cache && env.cache.available },
    env.docker,
    env.places
  );
  const toolchain = resolution.toolchain ? planToolchain(resolution.toolchain, env.tools) : undefined;
  const idf = await planIdf(
    {
      repo: inputs.idfRepo,
      ...(inputs.idfRepoCredentials ? { credentials: inputs.idfRepoCredentials } : {}),
      ref: resolution.idf.ref,
      chips: resolution.chips,
      install: resolution.buildSystem === 'cmake'
    },
    image.python,
    env
  );
  const scope = cacheScope(inputs.buildCachePolicy, env.run ?? {});
  const { ccache, components } = await planBuildCaches(inputs, resolution, env.places.root, scope);
  const settings = await containerSettings(inputs, resolution, env);
  const cache = {
    use: inputs.cache,
    available: inputs.cache && env.cache.available,
    ccache: inputs.ccache,
    scope
  };
  const core = { goal, resolution, engine, cache, image, toolchain, idf, ccache, components, settings };
  const artifacts =
    goal.kind === 'build'
      ? planArtifacts(settings.tree, resolution.buildDir, resolution.buildSystem, env.places.artifacts)
      : undefined;
  return {
    ...core,
    artifacts,
    resources: describeResources(core),
    containers: plannedContainers(core, {
      idfPath: idf.entry?.idfPath ?? entryPaths(UNKNOWN_IDF_DIR).idfPath,
      toolsPath: idf.entry?.toolsPath ?? entryPaths(UNKNOWN_IDF_DIR).toolsPath,
      idfEntry: idf.entry ? { dir: idf.entry.dir, key: idf.entry.key } : undefined,
      toolchainDir: toolchain?.dir,
      ccacheDir: ccache?.dir,
      componentsDir: components?.dir,
      componentsOffline: components?.offline,
      gitEntries: protectedPaths(await findGitEntries([inputs.micropythonPath]))
    }),
    runSpecific: artifacts?.copyTo ? [...RUN_SPECIFIC, ARTIFACTS_COPY] : RUN_SPECIFIC
  };
}

/** The containers' settings: the inputs', and their users (the log says who, when not simply this process's). */
async function containerSettings(
  inputs: Inputs,
  resolution: Resolution,
  env: PlanEnv
): Promise<ContainerSettings> {
  const users = containerUsers(env.user, await treeOwner(inputs.micropythonPath));
  if (users.note) env.log.info(users.note);
  return {
    tree: inputs.micropythonPath,
    mountRoot: env.mountRoot,
    jobs: inputs.jobs,
    makeArgs: inputs.makeArgs,
    targets: inputs.targets,
    user: users.build,
    installUser: users.install,
    ...(env.hostPaths ? { hostPaths: env.hostPaths } : {}),
    network: inputs.network,
    mirrorEnv: mirrorEnv(inputs.mirrors, idfVersionOfRef(resolution.idf.ref)?.major),
    componentEnv: componentEnv(inputs.mirrors)
  };
}

/** The image a resolved tree needs: its era's, built with the inputs' build arguments, or the one named. Pure. */
export function imageRequest(
  inputs: Pick<Inputs, 'image' | 'network' | 'imageBuildArgs'>,
  dockerDir: string,
  needs: Pick<Resolution, 'buildSystem'> & { idf: { ref: string } }
): ImageRequest {
  return {
    image: inputs.image,
    dockerDir,
    network: inputs.network,
    era: imageEra(needs.buildSystem, needs.idf.ref),
    buildArgs: inputs.imageBuildArgs,
    python: pythonRange(needs.buildSystem, needs.idf.ref)
  };
}

/** Where the prepared resources are on this machine: the build container's host paths. */
export type ResourcePaths = Pick<
  BuildPlan,
  | 'idfPath'
  | 'toolsPath'
  | 'idfEntry'
  | 'toolchainDir'
  | 'ccacheDir'
  | 'componentsDir'
  | 'componentsOffline'
  | 'gitEntries'
>;

type PlanCore = Pick<Plan, 'goal' | 'resolution' | 'image' | 'idf' | 'settings'>;

/** The build container's inputs: the plan's settings and the resources' paths. Pure. */
export function buildPlanOf(plan: PlanCore, paths: ResourcePaths, serial?: MakeStep['serial']): BuildPlan {
  return {
    ...plan.settings,
    resolution: plan.resolution,
    image: plan.image.runs,
    ...paths,
    serial
  };
}

/** A make step's full argv: the resolved board first when asked. Pure. */
export function makeStepArgs(
  step: MakeStep,
  resolution: Pick<Resolution, 'board' | 'boardVariant'>
): string[] {
  return step.board ? [...boardArgs(resolution), ...step.args] : step.args;
}

/**
 * Where the port's `make submodules` is asked, if at all, and make's arguments
 * for the make step after it (none: no make step). A build asks whenever the
 * port has the target; a make (the esp32 alias) when `submodules` is among
 * its goals, and then runs make only for the other goals. Pure.
 */
function splitSubmodules(
  plan: PlanCore,
  step: MakeStep | undefined
): { ask?: { cwd: string; args: string[] }; make?: string[] } {
  const { goal, resolution, settings } = plan;
  const makeArgs = step ? makeStepArgs(step, resolution) : undefined;
  if (goal.kind === 'build') {
    const args = ['-C', 'ports/esp32', ...boardArgs(resolution)];
    return { ask: resolution.portSubmodules ? { cwd: settings.tree, args } : undefined, make: makeArgs };
  }
  if (!step || !makeArgs) return {};
  const goals = makeGoalIndices(makeArgs);
  if (!goals.some((i) => makeArgs[i] === 'submodules')) return { make: makeArgs };
  const others = goals.some((i) => makeArgs[i] !== 'submodules');
  return {
    ask: { cwd: step.cwd, args: makeArgs.filter((_, i) => !goals.includes(i)) },
    make: others ? makeArgs.filter((arg, i) => arg !== 'submodules' || !goals.includes(i)) : undefined
  };
}

/**
 * Every container the goal runs, in order, with its full argv. The plan
 * and the run both make them with this one function: the plan with what it
 * knows, the run with the paths it prepared. Pure.
 */
export function plannedContainers(plan: PlanCore, paths: ResourcePaths): PlannedContainer[] {
  const { goal, resolution, settings } = plan;
  const containers: Omit<PlannedContainer, 'argv'>[] = [];
  if (plan.idf.install && !plan.idf.present) {
    containers.push({
      role: 'install',
      title: `ESP-IDF tools for ${resolution.chips.join(', ')}`,
      when: plan.idf.entry
        ? 'when ESP-IDF is cloned (not found here or in the Actions cache)'
        : 'when ESP-IDF is cloned',
      spec: installContainer(
        {
          image: plan.image.runs,
          idfPath: paths.idfPath,
          toolsPath: paths.toolsPath,
          chips: resolution.chips,
          mirrorEnv: settings.mirrorEnv,
          user: settings.installUser,
          hostPaths: settings.hostPaths,
          network: settings.network
        },
        'esp32-build-install-<run>'
      )
    });
  }
  const step = goal.kind === 'build' ? goal.then : goal.kind === 'make' ? goal.step : undefined;
  const { ask, make } = splitSubmodules(plan, step);
  if (ask) {
    containers.push({
      role: 'submodules',
      title: 'The submodules the port needs',
      then: 'git submodule sync and update --init of the paths it names, on this machine (no fsmonitor, no hooks, no file:// unless the tree is a local clone)',
      spec: submodulesContainer(buildPlanOf(plan, paths), ask.cwd, ask.args, 'esp32-build-submodules-<run>')
    });
  }
  if (goal.kind === 'build') {
    containers.push({
      role: 'build',
      title: 'Build the firmware',
      spec: buildContainer(buildPlanOf(plan, paths), 'esp32-build-make-<run>')
    });
  }
  if (step && make) {
    containers.push({
      role: 'make',
      title: step.title,
      spec: makeContainer(buildPlanOf(plan, paths, step.serial), step.cwd, make, 'esp32-build-make-<run>')
    });
  }
  return containers.map((c) => {
    const spec = { ...c.spec, labels: plannedLabels() };
    return { ...c, spec, argv: ['docker', ...dockerRunArgs(spec)] };
  });
}
