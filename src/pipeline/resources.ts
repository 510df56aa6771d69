/**
 * The plan's resources in words: for each thing a build needs, what it is,
 * where it lives, whether it is here, and how it will be had. Pure.
 */
import { formatArgv } from '../exec.js';
import type { CcachePlan } from './ccache.js';
import type { ComponentsPlan } from './components.js';
import { ERA_IMAGES, ERA_LABEL } from './era.js';
import type { IdfPlan } from './idf.js';
import type { ImagePlan } from './image.js';
import { expectedSteps, type ImageStep } from './image-route.js';
import type { Resolution } from './resolve/index.js';
import type { ToolchainPlan } from './toolchain.js';

export type Presence = 'present' | 'absent' | 'unknown';

export interface ResourceView {
  name: 'image' | 'toolchain' | 'esp-idf' | 'ccache' | 'components';
  identity: string;
  where: string;
  presence: Presence;
  /** How it will be had, in the order tried: the first that works wins. */
  steps: string[];
  /** What cannot be known before the run, and what each outcome does. */
  unknown?: string;
}

interface Planned {
  resolution: Resolution;
  cache: { available: boolean };
  image: ImagePlan;
  toolchain?: ToolchainPlan;
  idf: IdfPlan;
  ccache?: CcachePlan;
  components?: ComponentsPlan;
}

const USE = 'use it as it is';

function builtIdentity(image: ImagePlan): string {
  const from = `built from docker/${ERA_IMAGES[image.era].dockerfile}, Python ${image.python}`;
  return `${image.ref} (${from}${image.build ? `, rebuilt weekly: ${image.build.period}` : ''})`;
}

function imageIdentity(image: ImagePlan): string {
  if (image.mode !== 'build') return image.ref;
  const { published } = image;
  if (published) {
    return `${published.ref} (published ${published.version} for the ${image.era} era, Python ${image.python}); if it cannot be had, ${builtIdentity(image)}`;
  }
  return `${builtIdentity(image)}${image.passedOver ? `; not the published image: ${image.passedOver}` : ''}`;
}

/** One way of having the image, in words, as it will run. */
function stepWords(step: ImageStep, image: ImagePlan, first: boolean): string {
  const { published, build } = image;
  const otherwise = first ? '' : 'otherwise ';
  switch (step) {
    case 'published-present':
      return USE;
    case 'pull-digest':
      return `pull it by digest: docker pull ${published!.ref}; use it if Docker records that digest for it, its label ${ERA_LABEL} is ${image.era} and it declares ESP32_DEVEL_PYTHON=${image.python}`;
    case 'present':
      return `${otherwise}use ${image.ref}, which is here`;
    case 'actions-cache':
      return `${otherwise}restore ${build!.tar} from the Actions cache (key ${build!.cacheKey}) and docker load it if it holds that image and no other tag`;
    case 'build':
      return `${otherwise}build it (older images of its era are then removed): ${formatArgv('docker', build!.args)}`;
    case 'pull':
      return `pull it: docker pull ${image.ref}`;
  }
}

function imageUnknown(steps: ImageStep[]): string | undefined {
  const cache = 'whether the Actions cache has the image: a hit loads it, a miss builds it';
  if (steps.includes('pull-digest')) {
    return `whether the registry gives the published image and it passes the checks: if not, a warning says why and the next way is taken${steps.includes('actions-cache') ? `; ${cache}` : ''}`;
  }
  if (steps.includes('actions-cache')) return cache;
  if (steps.includes('pull'))
    return "its Python, asked once it is pulled (the ESP-IDF entry's key depends on it)";
  return undefined;
}

/** The image's resource: the ways of having it the plan expects to take, given what is here. */
export function imageView(image: ImagePlan): ResourceView {
  const presence = { published: image.published?.present ?? false, image: image.present };
  const steps = expectedSteps(image.steps, presence);
  const present = steps.length === 1 && (steps[0] === 'published-present' || steps[0] === 'present');
  const view: ResourceView = {
    name: 'image',
    identity: imageIdentity(image),
    where: 'the Docker engine',
    presence: present ? 'present' : 'absent',
    steps: present ? [USE] : steps.map((step, i) => stepWords(step, image, i === 0))
  };
  const unknown = present ? undefined : imageUnknown(steps);
  return unknown ? { ...view, unknown } : view;
}

function toolchainView(tc: ToolchainPlan, cached: boolean): ResourceView {
  const view: ResourceView = {
    name: 'toolchain',
    identity: `xtensa-esp32-elf ${tc.version} (sha256 ${tc.sha256})`,
    where: tc.dir,
    presence: tc.present ? 'present' : 'absent',
    steps: [USE]
  };
  if (tc.present) return view;
  const download = `download ${tc.url}, check its SHA-256, extract it into the tool cache`;
  view.steps = cached ? [`restore from the Actions cache (key ${tc.cacheKey})`, download] : [download];
  if (cached) view.unknown = 'whether the Actions cache has it: a hit uses it, a miss downloads it';
  return view;
}

function idfView(idf: IdfPlan, cached: boolean): ResourceView {
  const install = idf.install ? [`run install.sh for ${idf.chips.join(',')} in the image`] : [];
  if (idf.offline !== undefined) {
    return {
      name: 'esp-idf',
      identity: `${idf.ref} from ${idf.repo} (not resolved)`,
      where: 'unknown until run',
      presence: 'unknown',
      steps: [
        'use the commit of the branch kept on this machine',
        ...(cached
          ? ['restore the tag from the Actions cache', 'restore the newest cached commit of the branch']
          : []),
        'otherwise fail: the repository is unreachable'
      ],
      unknown: `the repository could not be asked (${idf.offline}): what ${idf.ref} is, and which cached entry serves it`
    };
  }
  const remote = idf.remote!;
  const view: ResourceView = {
    name: 'esp-idf',
    identity: `${idf.ref} (${remote.kind}${remote.kind === 'commit' ? '' : ` at ${remote.commit}`}) from ${idf.repo}`,
    where: idf.entry?.dir ?? 'unknown until run',
    presence: idf.entry ? (idf.present ? 'present' : 'absent') : 'unknown',
    steps: [USE]
  };
  if (idf.present) return view;
  const clone = `clone ${idf.repo} at ${idf.ref} with its submodules`;
  view.steps = [
    ...(idf.entry ? [] : [USE + ', if this machine has it']),
    ...(cached
      ? [`restore from the Actions cache (key ${idf.entry?.key ?? 'known once the Python is'})`]
      : []),
    clone,
    ...install
  ];
  if (!idf.entry) view.unknown = "the entry's directory and key: they depend on the pulled image's Python";
  else if (cached)
    view.unknown = 'whether the Actions cache has it: a hit uses it, a miss clones and installs';
  return view;
}

function ccacheView(cc: CcachePlan, resolution: Resolution, cached: boolean): ResourceView {
  const view: ResourceView = {
    name: 'ccache',
    identity: `ESP-IDF ${resolution.idf.ref}, board ${resolution.board || '(default)'}${resolution.boardVariant ? ` variant ${resolution.boardVariant}` : ''}`,
    where: cc.dir,
    presence: cc.present ? 'present' : 'absent',
    steps: [USE]
  };
  if (cc.present) return view;
  view.steps = cached
    ? [`restore the newest entry whose key starts with ${cc.restoreKeys[0]}`, 'otherwise start empty']
    : ['start empty'];
  if (cached) view.unknown = 'whether the Actions cache has one: a hit starts warm, a miss cold';
  return view;
}

function componentsView(plan: ComponentsPlan, cached: boolean): ResourceView {
  const view: ResourceView = {
    name: 'components',
    identity: `the component manager's downloads for ${plan.files.join(', ')}`,
    where: plan.dir,
    presence: plan.present ? 'present' : 'absent',
    steps: [
      plan.offline
        ? `use it: it holds everything the lock names, so the build runs without the registry (${plan.offline.hosts.join(', ') || 'storage'} unreachable)`
        : 'use it; the build asks the registry for what it lacks'
    ]
  };
  if (plan.present) return view;
  view.steps = cached
    ? [`restore from the Actions cache (key ${plan.key})`, 'otherwise the build downloads them']
    : ['the build downloads them'];
  if (cached) {
    view.unknown =
      'whether the Actions cache has them: a hit that holds everything the lock names builds without the registry, a miss downloads everything';
  }
  return view;
}

export function describeResources(plan: Planned): ResourceView[] {
  const cached = plan.cache.available;
  const views = [imageView(plan.image)];
  if (plan.toolchain) views.push(toolchainView(plan.toolchain, cached));
  views.push(idfView(plan.idf, cached));
  if (plan.ccache) views.push(ccacheView(plan.ccache, plan.resolution, cached));
  if (plan.components) views.push(componentsView(plan.components, cached));
  return views;
}
