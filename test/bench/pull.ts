/**
 * The bench's pull path: the image the cold run built, published as a
 * release publishes it (pushed to a registry on loopback, its digest in a
 * scratch copy of the action's docker/published.json), then gone from the
 * engine, so that a fresh runner's image: build pulls it by digest.
 *
 * The registry is on loopback, so the pull is bounded by the engine, not a
 * network; and the base image's layer stays (it is local here: no registry
 * is reachable), so a real runner pulls that much more.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { push, startLoopbackRegistry, type LoopbackRegistry } from '../support/docker-registry.js';
import { copyAction } from '../support/project.js';

export interface PullPath {
  registry: LoopbackRegistry;
  /** The scratch copy of the action whose docker/published.json names the image. */
  project: string;
  /** repository@digest, once published. */
  ref?: string;
}

export async function startPullPath(scratch: string): Promise<PullPath> {
  const registry = await startLoopbackRegistry(path.join(scratch, 'registry'));
  const project = path.join(scratch, 'action');
  mkdirSync(project, { recursive: true });
  copyAction(project);
  await run('chmod', ['-R', 'a+rX', project]);
  return { registry, project };
}

/**
 * Publishes `image` (built by the action: it has the era's label and Python)
 * and removes it and every tag of it from the engine; returns the reference
 * the action pulls.
 */
export async function publishImage(pull: PullPath, image: string, version: string): Promise<string> {
  const repository = `${pull.registry.host}/esp32-devel`;
  const tag = `${repository}:bench`;
  await run('docker', ['tag', image, tag]);
  const digest = await push(tag);
  const file = { version, repository, images: { bookworm: digest } };
  writeFileSync(path.join(pull.project, 'docker', 'published.json'), JSON.stringify(file));
  pull.ref = `${repository}@${digest}`;
  await removePublished(pull, image, tag);
  return pull.ref;
}

/** The published image gone from the engine, by every name it has, so its layers go too. */
export async function removePublished(pull: PullPath, ...others: string[]): Promise<void> {
  for (const ref of [...others, ...(pull.ref ? [pull.ref] : [])])
    await run('docker', ['image', 'rm', ref], { allowFailure: true });
}
