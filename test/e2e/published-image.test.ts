/**
 * End to end: a released version's image, pulled by digest from a real
 * registry on loopback (Debian's docker-registry), by the bundled action run
 * as GitHub's runner runs it. The action runs from a scratch copy of this
 * project (dist/, docker/, action.yml) whose docker/published.json the test
 * writes, as the release workflow would.
 *
 *   pulled by digest, no build; then present by digest
 *   a tampered image pushed under the same tag: the digest still pulls the original
 *   published.json naming the tampered digest: refused by its checks, with a
 *     warning, and the Actions cache copy of the built image used instead
 *   the registry down: a warning naming the failed pull, the Actions cache copy
 *
 * E2E_DIST_DIR: a dist/ to run instead of the committed one (main/ and post/
 * built with ncc from a working tree, to try a change before dist/ is rebuilt).
 */
import { jest } from '@jest/globals';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { ERA_LABEL } from '../../src/pipeline/era.js';
import { INPUTS_LABEL } from '../../src/pipeline/image-load.js';
import { imageInputsHash, imageRef } from '../../src/pipeline/image.js';
import { imageKey } from '../../src/pipeline/keys.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { buildTestImage, requireDocker } from '../support/docker.js';
import { push, startLoopbackRegistry, type LoopbackRegistry } from '../support/docker-registry.js';
import { createMicroPythonTree } from '../support/micropython-tree.js';
import { copyAction } from '../support/project.js';
import { makeRunner, runnerUser, runStep, type Runner, type StepResult } from '../support/runner.js';
import { createUpstreams, type FixtureUpstreams } from '../support/upstreams.js';

jest.setTimeout(20 * 60_000);

const VERSION = 'v9.8.7';
let scratch: string;
let project: string;
let registry: LoopbackRegistry;
let repository: string;
let upstreams: FixtureUpstreams;
let cache: CacheServer;
let runner: Runner;
let inputs: Record<string, string>;
/** The published image's digest, and the tampered one's pushed under the same tag after it. */
let original: string;
let tampered: string;
/** What the scratch project's image: build would build (and what the Actions cache holds a copy of). */
let builtRef: string;
/** Every image this file made, removed at the end. */
const made = new Set<string>();

async function docker(args: string[]): Promise<string> {
  return (await run('docker', args, { timeoutMs: 10 * 60_000 })).stdout;
}

let contexts = 0;

/** `docker build` of a Dockerfile of a few lines, in an empty context. */
async function buildFrom(tag: string, dockerfile: string): Promise<void> {
  const context = path.join(scratch, `context-${++contexts}`);
  mkdirSync(context);
  writeFileSync(path.join(context, 'Dockerfile'), dockerfile);
  made.add(tag);
  await docker(['build', '--tag', tag, context]);
}

async function removeImages(...refs: string[]): Promise<void> {
  for (const ref of refs) await run('docker', ['image', 'rm', '--force', ref], { allowFailure: true });
}

async function present(ref: string): Promise<boolean> {
  return (await run('docker', ['image', 'inspect', ref], { allowFailure: true })).code === 0;
}

function publish(digest: string | undefined): void {
  const images = digest ? { bookworm: digest } : {};
  const file = { version: digest ? VERSION : null, repository: digest ? repository : null, images };
  writeFileSync(path.join(project, 'docker', 'published.json'), JSON.stringify(file));
}

const main = (): Promise<StepResult> => runStep('main', runner, inputs, { env: cache.env, project });

function expectBuilt(result: StepResult): void {
  expect(result.output).not.toMatch(/::error::/);
  expect(result.code).toBe(0);
  expect(statSync(result.outputs.firmware).size).toBeGreaterThan(0);
  // No image was built: the published image, or the Actions cache copy.
  expect(result.output).not.toMatch(/Building esp32-devel/);
}

beforeAll(async () => {
  await requireDocker();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'e2e-published-'));
  await run('chmod', ['a+rx', scratch]);
  project = copyAction(path.join(scratch, 'action'));
  registry = await startLoopbackRegistry(path.join(scratch, 'registry'));
  repository = `${registry.host}/esp32-devel`;
  const user = runnerUser();
  upstreams = await createUpstreams();
  await run('chown', ['-R', `${user.uid}:${user.gid}`, upstreams.root]);
  let dir = upstreams.root;
  while (dir !== path.dirname(dir)) {
    await run('chmod', ['a+x', dir]);
    dir = path.dirname(dir);
  }
  cache = await startCacheServer({ storageDir: path.join(scratch, 'cache-service') });
  runner = makeRunner(path.join(scratch, 'runner'), user);
  const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
    shape: 'v1.24',
    idfPin: 'v5.2.2'
  });
  await run('chown', ['-R', `${user.uid}:${user.gid}`, tree.root]);
  inputs = {
    'micropython-path': 'micropython',
    board: 'ESP32_GENERIC',
    'idf-version': 'v5.2.2',
    'idf-repo': upstreams.idfRepoUrl,
    'idf-tools-mirror': upstreams.assetsMirror,
    'component-registry-mirror': upstreams.registry.url,
    network: 'host',
    // None: with build arguments the image is built, never the published one pulled.
    'image-build-args': ''
  };

  // The release: the era's image, labelled as the action labels its own, pushed; its digest published.
  const base = await buildTestImage();
  const tag = `${repository}:bookworm-test`;
  await buildFrom(tag, `FROM ${base}\nLABEL ${ERA_LABEL}=bookworm\n`);
  original = await push(tag);
  // Then someone pushes another image under the same tag: another Python, a label of its own.
  await buildFrom(tag, `FROM ${tag}\nLABEL tampered=yes\nENV ESP32_DEVEL_PYTHON=3.9\n`);
  tampered = await push(tag);
  made.add(`${repository}@${original}`).add(`${repository}@${tampered}`);
  await removeImages(tag, `${repository}@${original}`, `${repository}@${tampered}`);

  // The Actions cache's copy of the image image: build would build here, as a post step saves it.
  const hash = await imageInputsHash(path.join(project, 'docker'), 'bookworm', {});
  builtRef = imageRef(hash);
  await buildFrom(builtRef, `FROM ${base}\nLABEL ${ERA_LABEL}=bookworm ${INPUTS_LABEL}=${hash}\n`);
  const tar = path.join(runner.toolCache, 'esp32-micropython-build', 'images', `${hash}.tar`);
  const saves = [{ kind: 'image', key: imageKey(hash), paths: [tar], image: builtRef }];
  const post = await runStep('post', runner, inputs, {
    env: cache.env,
    state: { saves: JSON.stringify(saves) },
    project
  });
  expect(post.output).not.toMatch(/::warning::|::error::/);
  expect(cache.entries().map((e) => e.key)).toContain(imageKey(hash));
  await removeImages(builtRef);
});

afterAll(async () => {
  await registry?.stop();
  await cache?.close();
  await upstreams?.close();
  await removeImages(...made);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('a released version: image: build pulls the published image by digest', () => {
  it('pulls it by digest from the registry, builds nothing, and says so', async () => {
    publish(original);
    const ref = `${repository}@${original}`;
    const result = await main();
    expectBuilt(result);
    expect(result.output).toContain(`Pulling the published image ${VERSION} by digest: ${ref}`);
    expect(result.output).not.toMatch(/::warning::/);
    expect(result.outputs.image).toBe(ref);
    expect(result.outputs['image-source']).toBe('published-pulled');
    expect(result.summary).toContain(`${ref} (published ${VERSION} (pulled by digest))`);
    expect(JSON.parse(result.outputs['cache-hit'])).toMatchObject({ image: true });
    // The build ran in it.
    expect(result.output).toMatch(new RegExp(`docker run .*${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(await present(builtRef)).toBe(false);
  });

  it('uses it as it is the next time: present by digest', async () => {
    const result = await main();
    expectBuilt(result);
    expect(result.outputs['image-source']).toBe('published-present');
    expect(result.summary).toContain(`published ${VERSION} (present)`);
    expect(result.output).not.toMatch(/Pulling/);
  });

  it('a tampered image pushed under the same tag: the digest still gets the original', async () => {
    await removeImages(`${repository}@${original}`);
    const result = await main();
    expectBuilt(result);
    expect(result.outputs['image-source']).toBe('published-pulled');
    expect(result.outputs.image).toBe(`${repository}@${original}`);
    const labels = await docker([
      'image',
      'inspect',
      '--format',
      '{{json .Config.Labels}}',
      result.outputs.image
    ]);
    expect(JSON.parse(labels)).not.toHaveProperty('tampered');
    expect(await present(`${repository}@${tampered}`)).toBe(false);
  });

  it('published.json naming the tampered digest: refused by its checks, with a warning, and the Actions cache copy used', async () => {
    publish(tampered);
    const result = await main();
    expectBuilt(result);
    expect(result.output).toMatch(
      new RegExp(
        `::warning::The published image was not used: ${repository}@${tampered} was refused: it declares ESP32_DEVEL_PYTHON=3\\.9, and docker/Dockerfile 3\\.11; falling back to the image built from docker/Dockerfile`
      )
    );
    expect(result.outputs.image).toBe(builtRef);
    expect(result.outputs['image-source']).toBe('actions-cache');
    expect(result.summary).toMatch(/Actions cache; the published image was not used: .* was refused/);
    // Not kept for another run to find.
    expect(await present(`${repository}@${tampered}`)).toBe(false);
  });

  it('the registry down: a warning naming the failed pull and the fallback, the Actions cache copy used', async () => {
    publish(original);
    await registry.stop();
    await removeImages(`${repository}@${original}`, builtRef);
    try {
      const result = await main();
      expectBuilt(result);
      expect(result.output).toMatch(
        new RegExp(
          `::warning::The published image was not used: the pull of ${repository}@${original} failed: .*; falling back to the image built from docker/Dockerfile: the one here if present, else the Actions cache copy, else a build`
        )
      );
      expect(result.outputs.image).toBe(builtRef);
      expect(result.outputs['image-source']).toBe('actions-cache');
      expect(result.summary).toMatch(
        /Actions cache; the published image was not used: the pull of .* failed/
      );
    } finally {
      await registry.start();
    }
  });

  it('a development checkout (no digest): the image built from docker/, exactly as before', async () => {
    publish(undefined);
    const result = await main();
    expectBuilt(result);
    expect(result.output).not.toMatch(/published image|Pulling/);
    expect(result.outputs.image).toBe(builtRef);
    expect(result.outputs['image-source']).toBe('local');
    expect(existsSync(path.join(project, 'docker', 'published.json'))).toBe(true);
  });
});
