/**
 * The published image of a released version: docker/published.json read
 * strictly, the choice of the ways of having the image (pure), the checks of
 * a pulled image, and the run of each way with a fake Docker engine and
 * Actions cache: published image present, pulled by digest, refused, or the
 * registry unreachable, each then falling back as the plan says.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imagePlanText } from '../../src/cli/plan-text.js';
import { ExecError, type RunOptions, type RunResult } from '../../src/exec.js';
import type { CacheStore, Log, Places } from '../../src/ports.js';
import { Docker } from '../../src/pipeline/docker.js';
import { ERA_LABEL } from '../../src/pipeline/era.js';
import { publishedImageProblem, type InspectedImage } from '../../src/pipeline/image-published.js';
import { expectedSteps, fallbackWords, imageRoute, type RouteInput } from '../../src/pipeline/image-route.js';
import { findDockerDir, obtainImage, planImage, type ImageRequest } from '../../src/pipeline/image.js';
import {
  NO_PUBLISHED_IMAGES,
  parsePublished,
  readPublished,
  type PublishedImages
} from '../../src/pipeline/published.js';
import { imageWords } from '../../src/pipeline/summary.js';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;
const REPOSITORY = 'ghcr.io/owner/esp32-devel';
const RELEASE: PublishedImages = {
  version: 'v1.2.3',
  repository: REPOSITORY,
  images: { bookworm: DIGEST_A, idf4: DIGEST_B }
};
const PUBLISHED_REF = `${REPOSITORY}@${DIGEST_A}`;
const FILE = '/action/docker/published.json';

describe('docker/published.json', () => {
  it("reads the development checkout's file and a release's", () => {
    expect(parsePublished('{"version": null, "repository": null, "images": {}}', FILE)).toEqual(
      NO_PUBLISHED_IMAGES
    );
    expect(parsePublished(JSON.stringify(RELEASE), FILE)).toEqual(RELEASE);
    const registry = { ...RELEASE, repository: '127.0.0.1:5000/esp32-devel', version: 'v2.0.0-rc.1' };
    expect(parsePublished(JSON.stringify(registry), FILE)).toEqual(registry);
  });

  const malformed: Array<[string, unknown, RegExp]> = [
    ['a list', [], /not a JSON object/],
    ['an unknown key', { ...NO_PUBLISHED_IMAGES, tag: 'v1' }, /unknown key "tag"/],
    ['a repository with a tag', { ...RELEASE, repository: `${REPOSITORY}:v1` }, /"repository" must be/],
    ['a repository with a digest', { ...RELEASE, repository: PUBLISHED_REF }, /"repository" must be/],
    ['a repository in capitals', { ...RELEASE, repository: 'ghcr.io/Owner/esp32-devel' }, /"repository"/],
    ['an option for a repository', { ...RELEASE, repository: '--help' }, /"repository"/],
    ['a version that is not one', { ...RELEASE, version: '1.2.3' }, /"version" must be/],
    ['a short digest', { ...RELEASE, images: { bookworm: 'sha256:abc' } }, /"images"\."bookworm" must be/],
    ['a digest in capitals', { ...RELEASE, images: { bookworm: `sha256:${'A'.repeat(64)}` } }, /bookworm/],
    ['another algorithm', { ...RELEASE, images: { bookworm: `sha512:${'a'.repeat(64)}` } }, /bookworm/],
    ['an unknown era', { ...RELEASE, images: { buster: DIGEST_A } }, /"images" has an unknown key "buster"/],
    ['images with no repository', { ...RELEASE, repository: null }, /"version" and "repository" must be set/],
    ['images with no version', { ...RELEASE, version: null }, /"version" and "repository" must be set/],
    ['no images object', { version: null, repository: null }, /"images" must be an object/]
  ];
  it.each(malformed)('refuses %s, naming the file', (_, data, why) => {
    expect(() => parsePublished(JSON.stringify(data), FILE)).toThrow(why);
    expect(() => parsePublished(JSON.stringify(data), FILE)).toThrow(`${FILE} is malformed`);
  });

  it('refuses a file that is not JSON, naming it', () => {
    expect(() => parsePublished('{"version": ', FILE)).toThrow(`${FILE} is not valid JSON`);
  });

  it('reads the file beside the Dockerfiles; a docker/ without one lists nothing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'published-'));
    try {
      expect(await readPublished(dir)).toEqual(NO_PUBLISHED_IMAGES);
      writeFileSync(path.join(dir, 'published.json'), '{"images": {"bookworm": "latest"}}');
      await expect(readPublished(dir)).rejects.toThrow(`${path.join(dir, 'published.json')} is malformed`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the repository's own file lists no image: a development checkout builds", async () => {
    expect(await readPublished(findDockerDir())).toEqual(NO_PUBLISHED_IMAGES);
  });
});

describe('imageRoute: the ways of having the image, in order (pure)', () => {
  const input = (given: Partial<RouteInput> = {}): RouteInput => ({
    image: 'build',
    era: 'bookworm',
    published: RELEASE,
    buildArgs: {},
    cached: true,
    ...given
  });

  it('a released version with a digest for the era: present by digest, else pulled, then the build path', () => {
    const route = imageRoute(input());
    expect(route.published).toEqual({
      version: 'v1.2.3',
      repository: REPOSITORY,
      digest: DIGEST_A,
      ref: PUBLISHED_REF
    });
    expect(route.steps).toEqual(['published-present', 'pull-digest', 'present', 'actions-cache', 'build']);
    expect(imageRoute(input({ era: 'idf4' })).published?.ref).toBe(`${REPOSITORY}@${DIGEST_B}`);
  });

  it('a pull that fails falls back to the cached image, then to a build; without the Actions cache, to a build', () => {
    const { steps } = imageRoute(input());
    expect(steps.slice(steps.indexOf('pull-digest') + 1)).toEqual(['present', 'actions-cache', 'build']);
    expect(imageRoute(input({ cached: false })).steps).toEqual([
      'published-present',
      'pull-digest',
      'present',
      'build'
    ]);
  });

  it('an explicit image always wins', () => {
    expect(imageRoute(input({ image: 'registry.example/mine:1' }))).toEqual({ steps: ['present', 'pull'] });
  });

  it("no digest for the era (a development checkout, or only the other era published): today's build path", () => {
    expect(imageRoute(input({ published: NO_PUBLISHED_IMAGES }))).toEqual({
      steps: ['present', 'actions-cache', 'build']
    });
    const idf4Only = { ...RELEASE, images: { idf4: DIGEST_B } };
    expect(imageRoute(input({ published: idf4Only }))).toEqual({
      steps: ['present', 'actions-cache', 'build']
    });
  });

  it('image-build-args: built, the published image passed over with the reason', () => {
    const route = imageRoute(input({ buildArgs: { BASE: 'registry.example/debian:bookworm-slim' } }));
    expect(route.steps).toEqual(['present', 'actions-cache', 'build']);
    expect(route.published).toBeUndefined();
    expect(route.passedOver).toMatch(/image-build-args \(BASE\) are given.*built without them/);
  });

  it('the steps the plan expects: up to the first image present', () => {
    const { steps } = imageRoute(input());
    expect(expectedSteps(steps, { published: true, image: true })).toEqual(['published-present']);
    expect(expectedSteps(steps, { published: false, image: true })).toEqual(['pull-digest', 'present']);
    expect(expectedSteps(steps, { published: false, image: false })).toEqual([
      'pull-digest',
      'actions-cache',
      'build'
    ]);
  });

  it('says what follows a published image not had', () => {
    expect(fallbackWords(['present', 'actions-cache', 'build'], 'bookworm')).toBe(
      'falling back to the image built from docker/Dockerfile: the one here if present, else the Actions cache copy, else a build'
    );
    expect(fallbackWords(['present', 'build'], 'idf4')).toMatch(
      /docker\/Dockerfile\.idf4: the one here if present, else a build$/
    );
  });
});

describe('publishedImageProblem: a pulled image is the published one (pure)', () => {
  const expected = { ref: PUBLISHED_REF, era: 'bookworm' as const, python: '3.11' };
  const good: InspectedImage = {
    repoDigests: [PUBLISHED_REF],
    labels: { [ERA_LABEL]: 'bookworm' },
    env: ['PATH=/usr/bin', 'ESP32_DEVEL_PYTHON=3.11']
  };

  it("passes the image Docker records by that digest, of the era, with the Dockerfile's Python", () => {
    expect(publishedImageProblem(expected, good)).toBeUndefined();
    const hub = { ...expected, ref: `docker.io/library/esp32-devel@${DIGEST_A}` };
    expect(publishedImageProblem(hub, { ...good, repoDigests: [`esp32-devel@${DIGEST_A}`] })).toBeUndefined();
  });

  it('refuses another digest, another era, another Python or none', () => {
    expect(publishedImageProblem(expected, { ...good, repoDigests: [`${REPOSITORY}@${DIGEST_B}`] })).toMatch(
      /RepoDigests .* do not include/
    );
    expect(
      publishedImageProblem(expected, { ...good, repoDigests: [`evil.example/esp32-devel@${DIGEST_A}`] })
    ).toMatch(/do not include/);
    expect(publishedImageProblem(expected, { ...good, labels: {} })).toMatch(
      /label .* is missing, not 'bookworm'/
    );
    expect(publishedImageProblem(expected, { ...good, labels: { [ERA_LABEL]: 'idf4' } })).toMatch(
      /is 'idf4'/
    );
    expect(publishedImageProblem(expected, { ...good, env: ['ESP32_DEVEL_PYTHON=3.8'] })).toMatch(
      /declares ESP32_DEVEL_PYTHON=3.8, and docker\/Dockerfile 3.11/
    );
    expect(publishedImageProblem(expected, { ...good, env: [] })).toMatch(/ESP32_DEVEL_PYTHON=\(nothing\)/);
  });
});

/** A Docker engine in memory: images by reference, a registry that answers or not. */
class FakeEngine extends Docker {
  readonly images = new Map<string, InspectedImage>();
  readonly calls: string[][] = [];
  registry: 'up' | 'down' = 'up';
  /** What the registry holds, by reference. */
  readonly remote = new Map<string, InspectedImage>();

  constructor() {
    super({}, 'docker-that-is-never-run');
  }

  async hasImage(ref: string): Promise<boolean> {
    return this.images.has(ref);
  }

  async run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    this.calls.push(args);
    const ok = (stdout = ''): RunResult => ({ code: 0, stdout, stderr: '' });
    if (args[0] === 'pull') {
      const image = this.remote.get(args[1]);
      if (this.registry === 'down' || !image) {
        const stderr = `Error response from daemon: Get "https://ghcr.io/v2/": dial tcp: connect: connection refused`;
        throw new ExecError('docker pull failed', 'docker', args, 1, '', stderr);
      }
      this.images.set(args[1], image);
      return ok();
    }
    if (args[0] === 'build') {
      this.images.set(args[args.indexOf('--tag') + 1], { repoDigests: [], labels: {}, env: [] });
      return ok();
    }
    if (args[0] === 'image' && args[1] === 'inspect') {
      const image = this.images.get(args[args.length - 1]);
      if (!image) return { code: 1, stdout: '', stderr: 'No such image' };
      if (args.includes('{{json .Config.Env}}')) return ok(`${JSON.stringify(image.env)}\n`);
      return ok(
        `${JSON.stringify(image.repoDigests)}\t${JSON.stringify(image.labels)}\t${JSON.stringify(image.env)}\n`
      );
    }
    if (args[0] === 'image' && args[1] === 'rm') {
      this.images.delete(args[2]);
      return ok();
    }
    if (options.allowFailure) return ok();
    return ok();
  }

  commands(): string[] {
    return this.calls
      .filter((c) => ['pull', 'build', 'rm'].includes(c[0] === 'image' ? c[1] : c[0]))
      .map((c) => c.join(' '));
  }
}

function recordingLog(): Log & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    info: (m) => infos.push(m),
    warning: (m) => warnings.push(m),
    debug: () => {},
    output: () => {}
  };
}

/** An Actions cache that has nothing, and records what was asked of it. */
class MissingCache implements CacheStore {
  readonly available = true;
  readonly asked: string[] = [];
  async restore(_paths: string[], key: string): Promise<string | undefined> {
    this.asked.push(key);
    return undefined;
  }
  async save(): Promise<void> {}
}

describe('planImage and obtainImage: the published image first, then the fallback', () => {
  let dockerDir: string;
  const places: Places = { root: '/srv/esp32', temp: '/tmp' };
  const GOOD: InspectedImage = {
    repoDigests: [PUBLISHED_REF],
    labels: { [ERA_LABEL]: 'bookworm' },
    env: ['ESP32_DEVEL_PYTHON=3.11']
  };

  beforeAll(() => {
    dockerDir = mkdtempSync(path.join(os.tmpdir(), 'published-docker-'));
    for (const name of ['Dockerfile', 'Dockerfile.idf4', 'entrypoint.sh'])
      copyFileSync(path.join(findDockerDir(), name), path.join(dockerDir, name));
    mkdirSync(dockerDir, { recursive: true });
  });
  afterAll(() => rmSync(dockerDir, { recursive: true, force: true }));

  const publish = (data: unknown) =>
    writeFileSync(
      path.join(dockerDir, 'published.json'),
      typeof data === 'string' ? data : JSON.stringify(data)
    );
  const request = (given: Partial<ImageRequest> = {}): ImageRequest => ({
    image: 'build',
    dockerDir,
    era: 'bookworm',
    buildArgs: {},
    cached: true,
    ...given
  });
  const context = (docker: FakeEngine, cache = new MissingCache()) => ({
    docker,
    cache,
    useCache: true,
    log: recordingLog()
  });

  it('plans the published image first, and the containers on it; the plan text shows it and the fallback', async () => {
    publish(RELEASE);
    const plan = await planImage(request(), new FakeEngine(), places);
    expect(plan).toMatchObject({
      mode: 'build',
      runs: PUBLISHED_REF,
      published: { ref: PUBLISHED_REF, version: 'v1.2.3', present: false },
      steps: ['published-present', 'pull-digest', 'present', 'actions-cache', 'build'],
      python: '3.11'
    });
    expect(plan.ref).toMatch(/^esp32-devel:[0-9a-f]{16}$/);
    const text = imagePlanText(plan);
    expect(text).toContain(`# image: ${PUBLISHED_REF} (published v1.2.3 for the bookworm era, Python 3.11)`);
    expect(text).toContain(`#   1. pull it by digest: docker pull ${PUBLISHED_REF};`);
    expect(text).toMatch(/# {3}2\. otherwise restore \S+ from the Actions cache/);
    expect(text).toMatch(/# {3}3\. otherwise build it .*docker build/);
    expect(text).toMatch(/unknown until run: whether the registry gives the published image/);
  });

  it('pulls by digest and uses it: no build', async () => {
    publish(RELEASE);
    const docker = new FakeEngine();
    docker.remote.set(PUBLISHED_REF, GOOD);
    const plan = await planImage(request(), docker, places);
    const ctx = context(docker);
    const image = await obtainImage(plan, ctx);
    expect(image).toEqual({
      ref: PUBLISHED_REF,
      python: '3.11',
      source: 'published-pulled',
      version: 'v1.2.3'
    });
    expect(docker.commands()).toEqual([`pull ${PUBLISHED_REF}`]);
    expect(ctx.log.warnings).toEqual([]);
    expect(imageWords(image)).toBe('published v1.2.3 (pulled by digest)');
  });

  it('uses the published image present by digest without pulling', async () => {
    publish(RELEASE);
    const docker = new FakeEngine();
    docker.images.set(PUBLISHED_REF, GOOD);
    const plan = await planImage(request(), docker, places);
    expect(imagePlanText(plan)).toMatch(/# {3}present: the Docker engine$/m);
    const image = await obtainImage(plan, context(docker));
    expect(image.source).toBe('published-present');
    expect(imageWords(image)).toBe('published v1.2.3 (present)');
    expect(docker.commands()).toEqual([]);
  });

  it('the registry unreachable: a warning naming why and the fallback, the Actions cache asked, then a build', async () => {
    publish(RELEASE);
    const docker = new FakeEngine();
    docker.registry = 'down';
    const plan = await planImage(request(), docker, places);
    const ctx = context(docker);
    const image = await obtainImage(plan, ctx);
    expect(image).toMatchObject({ ref: plan.ref, source: 'built' });
    expect(image.fallback).toMatch(/the pull of .* failed: .*connection refused/);
    expect(ctx.log.warnings).toEqual([
      expect.stringMatching(
        /^The published image was not used: the pull of ghcr\.io\/owner\/esp32-devel@sha256:a+ failed: .*connection refused; falling back to the image built from docker\/Dockerfile: the one here if present, else the Actions cache copy, else a build\.$/
      )
    ]);
    expect(ctx.cache.asked).toEqual([plan.build!.cacheKey]);
    expect(docker.commands()).toEqual([
      `pull ${PUBLISHED_REF}`,
      `build ${plan.build!.args.slice(1).join(' ')}`
    ]);
    expect(imageWords(image)).toMatch(/^built; the published image was not used: the pull of .* failed/);
  });

  it('the pull fails and the built image is here: that one, no build', async () => {
    publish(RELEASE);
    const docker = new FakeEngine();
    docker.registry = 'down';
    const plan = await planImage(request(), docker, places);
    docker.images.set(plan.ref, GOOD);
    const image = await obtainImage(plan, context(docker));
    expect(image).toMatchObject({ ref: plan.ref, source: 'local' });
    expect(docker.commands()).toEqual([`pull ${PUBLISHED_REF}`]);
  });

  it('a pulled image that fails the checks is removed, with a warning, and the fallback built', async () => {
    publish(RELEASE);
    const docker = new FakeEngine();
    docker.remote.set(PUBLISHED_REF, { ...GOOD, env: ['ESP32_DEVEL_PYTHON=3.8'] });
    const plan = await planImage(request(), docker, places);
    const ctx = context(docker);
    const image = await obtainImage(plan, ctx);
    expect(image.source).toBe('built');
    expect(ctx.log.warnings[0]).toMatch(
      /was refused: it declares ESP32_DEVEL_PYTHON=3\.8, and docker\/Dockerfile 3\.11; falling back/
    );
    expect(docker.commands()).toEqual([
      `pull ${PUBLISHED_REF}`,
      `image rm ${PUBLISHED_REF}`,
      `build ${plan.build!.args.slice(1).join(' ')}`
    ]);
    expect(docker.images.has(PUBLISHED_REF)).toBe(false);
  });

  it('a present image that fails the checks is not pulled again (the same digest is the same image)', async () => {
    publish(RELEASE);
    const docker = new FakeEngine();
    docker.images.set(PUBLISHED_REF, { ...GOOD, labels: { [ERA_LABEL]: 'idf4' } });
    docker.remote.set(PUBLISHED_REF, GOOD);
    const plan = await planImage(request(), docker, places);
    const ctx = context(docker);
    expect((await obtainImage(plan, ctx)).source).toBe('built');
    expect(ctx.log.warnings).toHaveLength(1);
    expect(docker.commands().some((c) => c.startsWith('pull'))).toBe(false);
  });

  it('an explicit image wins over the published one', async () => {
    publish(RELEASE);
    const docker = new FakeEngine();
    docker.remote.set('registry.example/mine:1', GOOD);
    const plan = await planImage(request({ image: 'registry.example/mine:1' }), docker, places);
    expect(plan).toMatchObject({ mode: 'pull', runs: 'registry.example/mine:1', steps: ['present', 'pull'] });
    expect(plan.published).toBeUndefined();
    await obtainImage(plan, context(docker));
    expect(docker.commands()).toEqual(['pull registry.example/mine:1']);
  });

  it('no digest for the era: built exactly as before, nothing pulled', async () => {
    publish(NO_PUBLISHED_IMAGES);
    const docker = new FakeEngine();
    const plan = await planImage(request(), docker, places);
    expect(plan).toMatchObject({ runs: plan.ref, steps: ['present', 'actions-cache', 'build'] });
    expect(plan.published).toBeUndefined();
    const image = await obtainImage(plan, context(docker));
    expect(image.source).toBe('built');
    expect(image.fallback).toBeUndefined();
    expect(imageWords(image)).toBe('built');
    expect(docker.commands()).toEqual([`build ${plan.build!.args.slice(1).join(' ')}`]);
  });

  it('image-build-args: built, the plan text says why the published image is not used', async () => {
    publish(RELEASE);
    const plan = await planImage(
      request({ buildArgs: { BASE: 'debian:bookworm-slim' } }),
      new FakeEngine(),
      places
    );
    expect(plan.published).toBeUndefined();
    expect(imagePlanText(plan)).toMatch(/not the published image: image-build-args \(BASE\) are given/);
  });

  it('a malformed published.json: an error naming the file, nothing pulled', async () => {
    publish({ ...RELEASE, repository: `${REPOSITORY}:latest` });
    const docker = new FakeEngine();
    await expect(planImage(request(), docker, places)).rejects.toThrow(
      `${path.join(dockerDir, 'published.json')} is malformed`
    );
    expect(docker.commands()).toEqual([]);
  });
});
