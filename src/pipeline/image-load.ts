/**
 * An image archive restored from the Actions cache is loaded only when it
 * holds our image and nothing else: an entry written by another run could
 * otherwise retag images this machine runs (debian:bookworm-slim, or any
 * other), or stand in for ours. Its manifests are checked before
 * `docker load`, and what was loaded after it; anything amiss is a warning,
 * the tag is removed and the image is built instead.
 */
import { run } from '../exec.js';
import type { Log } from '../ports.js';
import type { Docker } from './docker.js';

/** The label that holds an image's inputs hash. */
export const INPUTS_LABEL = 'org.esp32-micropython-build.inputs';

/** The image an archive must hold: its one tag and its inputs hash. */
export interface ExpectedImage {
  ref: string;
  inputsHash: string;
}

/** The IDs the archive's image may have once loaded, or why the archive is refused. */
export type ArchiveVerdict = { ids: string[] } | { problem: string };

/** What `docker image inspect` says of the image now under the tag. */
export interface LoadedImage {
  id: string;
  inputsHash: string;
}

/** docker.io/library/x:t and docker.io/x:t are x:t. Pure. */
export function familiarRef(ref: string): string {
  return ref.replace(/^docker\.io\/(library\/)?/, '');
}

/** The tag after the repository: `abc` of esp32-devel:abc. Pure. */
function tagOf(ref: string): string {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') ? ref.slice(at + 1) : 'latest';
}

/**
 * The image ID that a manifest.json `Config` names: `blobs/sha256/<hex>` in
 * the OCI layout of Docker 25 and later, `<hex>.json` before. Pure.
 */
export function configId(config: unknown): string | undefined {
  if (typeof config !== 'string') return undefined;
  const match = /^(?:blobs\/sha256\/([0-9a-f]{64})|([0-9a-f]{64})\.json)$/.exec(config);
  return match ? `sha256:${match[1] ?? match[2]}` : undefined;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * index.json (OCI layout): the containerd image store names what it loads by
 * these annotations, so each name must be the expected one; the digests are
 * the IDs that store gives. Pure.
 */
function checkIndex(ref: string, indexJson: string): ArchiveVerdict {
  const index = parse(indexJson) as { manifests?: unknown } | undefined;
  if (!index || !Array.isArray(index.manifests)) return { problem: 'its index.json lists no manifests' };
  const ids: string[] = [];
  for (const descriptor of index.manifests as Array<{ digest?: unknown; annotations?: unknown }>) {
    const annotations = (descriptor.annotations ?? {}) as Record<string, unknown>;
    const name = annotations['io.containerd.image.name'];
    if (name !== undefined && familiarRef(String(name)) !== familiarRef(ref))
      return { problem: `its index.json names ${JSON.stringify(name)}, not ${ref}` };
    const refName = annotations['org.opencontainers.image.ref.name'];
    if (refName !== undefined && ![tagOf(ref), familiarRef(ref)].includes(familiarRef(String(refName))))
      return { problem: `its index.json names ${JSON.stringify(refName)}, not ${ref}` };
    if (typeof descriptor.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(descriptor.digest))
      ids.push(descriptor.digest);
  }
  return { ids };
}

/**
 * Whether an archive may be loaded: its manifest.json holds exactly one image,
 * tagged exactly `ref`, and its index.json (when there is one) names nothing
 * else. Pure.
 */
export function checkImageArchive(ref: string, manifestJson: string, indexJson?: string): ArchiveVerdict {
  const manifest = parse(manifestJson);
  if (!Array.isArray(manifest)) return { problem: 'its manifest.json is not a list of images' };
  if (manifest.length !== 1) return { problem: `it holds ${manifest.length} images, not one` };
  const entry = (manifest[0] ?? {}) as { Config?: unknown; RepoTags?: unknown };
  const tags = Array.isArray(entry.RepoTags) ? entry.RepoTags.map(String) : [];
  if (tags.length !== 1 || familiarRef(tags[0]) !== familiarRef(ref))
    return { problem: `its image is tagged ${JSON.stringify(tags)}, not ["${ref}"]` };
  const id = configId(entry.Config);
  if (!id)
    return { problem: `its manifest.json names no image configuration (${JSON.stringify(entry.Config)})` };
  if (indexJson === undefined) return { ids: [id] };
  const index = checkIndex(ref, indexJson);
  return 'problem' in index ? index : { ids: [id, ...index.ids] };
}

/** Why the image now tagged `ref` is not the archive's, or undefined when it is. Pure. */
export function loadedImageProblem(
  expected: ExpectedImage,
  ids: string[],
  loaded: LoadedImage | undefined
): string | undefined {
  if (!loaded) return `${expected.ref} is not in the Docker engine after loading it`;
  if (!ids.includes(loaded.id)) return `${expected.ref} is ${loaded.id}, not the archive's ${ids[0]}`;
  if (loaded.inputsHash !== expected.inputsHash)
    return `its label ${INPUTS_LABEL} is '${loaded.inputsHash}', not ${expected.inputsHash}`;
  return undefined;
}

export interface LoadContext {
  docker: Docker;
  log: Log;
  signal?: AbortSignal;
}

/** One file of the archive, or undefined when it has none (or is not a tar). */
async function archiveMember(tar: string, member: string, ctx: LoadContext): Promise<string | undefined> {
  const read = await run('tar', ['-xOf', tar, member], {
    allowFailure: true,
    debug: ctx.log.debug,
    signal: ctx.signal
  });
  return read.code === 0 ? read.stdout : undefined;
}

async function inspectLoaded(ref: string, docker: Docker): Promise<LoadedImage | undefined> {
  const format = `{{.Id}} {{index .Config.Labels "${INPUTS_LABEL}"}}`;
  const inspect = await docker.run(['image', 'inspect', '--format', format, ref], { allowFailure: true });
  if (inspect.code !== 0) return undefined;
  const [id, inputsHash = ''] = inspect.stdout.trim().split(' ');
  return { id, inputsHash };
}

/**
 * Loads the archive at `tar` when it holds the expected image and nothing
 * else, and keeps what was loaded only when it is that image. Returns whether
 * the image is now here; a refusal is a warning, never an error.
 */
export async function loadCheckedImage(
  tar: string,
  expected: ExpectedImage,
  ctx: LoadContext
): Promise<boolean> {
  const { docker, log, signal } = ctx;
  const refuse = (why: string) => {
    log.warning(`The cached image archive was not used: ${why}; building instead.`);
    return false;
  };
  let loadStarted = false;
  try {
    const manifest = await archiveMember(tar, 'manifest.json', ctx);
    if (manifest === undefined) return refuse('it has no readable manifest.json');
    const verdict = checkImageArchive(expected.ref, manifest, await archiveMember(tar, 'index.json', ctx));
    if ('problem' in verdict) return refuse(verdict.problem);
    loadStarted = true;
    await docker.run(['load', '--input', tar], { debug: log.debug, signal });
    const problem = loadedImageProblem(expected, verdict.ids, await inspectLoaded(expected.ref, docker));
    if (!problem) return true;
    await docker.run(['image', 'rm', expected.ref], { allowFailure: true });
    return refuse(problem);
  } catch (error) {
    if (signal?.aborted) throw error;
    if (loadStarted) await docker.run(['image', 'rm', expected.ref], { allowFailure: true });
    return refuse(`loading it failed (${(error as Error).message})`);
  }
}
