/**
 * Benchmark: the end-to-end fixture build through the bundled action, three
 * ways, and beside it a job in the style of MicroPython's own CI, several
 * times each:
 *   cold        nothing on the runner, nothing in the Actions cache, not the
 *               action's image (the base image stays: it is local; so do other
 *               images built from docker/, whose layers it says it may reuse)
 *   cold-pull   cold again, but a released version: the image the cold run
 *               built is published to a registry on loopback and gone from
 *               the engine, and a fresh runner pulls it by digest (pull.ts)
 *   warm-local  the same runner again: local image and tool cache present
 *   warm-fresh  a fresh runner (empty tool cache, no images) with only the
 *               Actions cache kept
 *   ci-style    a fresh runner that restores the same ESP-IDF entry with
 *               @actions/cache and builds on the host, no image (ci-style.ts)
 * (warm-fresh and ci-style twice a run, each of them first once).
 * The ESP-IDF entry is padded to the size of a real one (idf-entry.ts) before
 * the cold run's post step saves it, so every restore of it costs what a real
 * one does. It prints the median of each phase and each run's overhead over
 * the make inside it (wall time minus the make time the build reports), the
 * ratio of the warm-fresh overhead to the CI-style job's, and each era's
 * image size compressed as the Actions cache stores it.
 * Usage: npm run bench [-- --runs N] [-- --pull-only: cold and cold-pull only]; BENCH_TOOL_MB adds incompressible
 * megabytes to the fixture toolchain archive (default 0: the padding stands
 * in for the real tools).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { IMAGE_NAME, imageInputsHash, imageRef } from '../../src/pipeline/image.js';
import type { PendingSave } from '../../src/pipeline/saves.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { BOOKWORM_TEST_BUILD_ARGS, requireDocker } from '../support/docker.js';
import { createMicroPythonTree } from '../support/micropython-tree.js';
import { makeRunner, PROJECT, runnerUser, runStep, type Runner } from '../support/runner.js';
import { createUpstreams } from '../support/upstreams.js';
import { runCiStyleJob } from './ci-style.js';
import { publishImage, removePublished, startPullPath, type PullPath } from './pull.js';
import {
  measureEntry,
  padEntry,
  REAL_IDF_ENTRY,
  shortfall,
  writePadding,
  type EntrySize
} from './idf-entry.js';
import { formatImageSizes, imageSizes } from './image-size.js';

type Mode = 'cold' | 'cold-pull' | 'warm-local' | 'warm-fresh' | 'ci-style';
const MODES: Mode[] = ['cold', 'cold-pull', 'warm-local', 'warm-fresh', 'ci-style'];

interface Sample {
  mode: Mode;
  mainMs: number;
  postMs: number;
  makeMs: number;
  phases: Record<string, number>;
}

const BOARD = 'ESP32_GENERIC';
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
    : NaN;
};

/** The summary table's 'Phases' and 'make' rows, in milliseconds. */
function parseSummary(summary: string): { phases: Record<string, number>; makeMs: number } {
  const cell = (name: string) => new RegExp(`<th>${name}</th><td>([^<]*)</td>`).exec(summary)?.[1] ?? '';
  const phases: Record<string, number> = {};
  for (const m of cell('Phases').matchAll(/(\w+) ([\d.]+) s/g)) phases[m[1]] = Number(m[2]) * 1000;
  return { phases, makeMs: Number(/([\d.]+) s/.exec(cell('make'))?.[1] ?? NaN) * 1000 };
}

/** The ESP-IDF entry the main step prepared for the post step to save. */
function idfSave(state: Record<string, string>): PendingSave {
  const saves = JSON.parse(state.saves ?? '[]') as PendingSave[];
  const save = saves.find((s) => s.kind === 'idf');
  if (!save) throw new Error('The cold run left no ESP-IDF entry to save.');
  return save;
}

/** The entry's own directory: the save's path is its transfer copy, made by the post step. */
function entryDir(save: PendingSave): string {
  return save.entry?.dir ?? save.paths[0];
}

interface Bench {
  scratch: string;
  user: ReturnType<typeof runnerUser>;
  inputs: Record<string, string>;
  registryUrl: string;
  samples: Sample[];
  /** The padding, made once (from the first cold entry's shortfall) and linked into each cold entry. */
  padding?: { dir: string; fixture: EntrySize; added: EntrySize };
  /** The padded entry's archive in each run's Actions cache. */
  archives: number[];
  /** The registry and the scratch copy of the action for cold-pull. */
  pull: PullPath;
  /** Only cold and cold-pull. */
  pullOnly: boolean;
}

async function newRunner(bench: Bench): Promise<Runner> {
  await rm(path.join(bench.scratch, 'runner'), { recursive: true, force: true });
  const runner = makeRunner(path.join(bench.scratch, 'runner'), bench.user);
  const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
    shape: 'v1.24',
    idfPin: 'v5.2.2'
  });
  await run('chown', ['-R', `${bench.user.uid}:${bench.user.gid}`, tree.root]);
  // What the runs before wrote (a restored entry is 1.4 GB) is on disk before this one starts, not written
  // back while it runs.
  await run('sync', []);
  return runner;
}

/** Tops the cold run's ESP-IDF entry up to a real one's size, before the post step saves it. */
async function pad(bench: Bench, entryDir: string): Promise<void> {
  if (!bench.padding) {
    const fixture = await measureEntry(entryDir);
    const added = shortfall(fixture);
    const dir = path.join(bench.scratch, 'padding');
    console.log(`Writing ${mb(added.bytes)} MB of padding in ${added.files} files for the ESP-IDF entry`);
    await writePadding(dir, added);
    await run('chown', ['-R', `${bench.user.uid}:${bench.user.gid}`, dir]);
    bench.padding = { dir, fixture, added };
  }
  await padEntry(entryDir, bench.padding.dir);
}

async function actionRun(
  bench: Bench,
  i: number,
  mode: Mode,
  runner: Runner,
  cache: CacheServer,
  beforePost?: (state: Record<string, string>) => Promise<void>
): Promise<void> {
  // cold-pull: the scratch copy of the action that names the published image, and no build arguments
  // (with any, the image is built rather than the published one pulled).
  const [inputs, project] =
    mode === 'cold-pull'
      ? [{ ...bench.inputs, 'image-build-args': '' }, bench.pull.project]
      : [bench.inputs, undefined];
  const t0 = performance.now();
  const main = await runStep('main', runner, inputs, { env: cache.env, project });
  const mainMs = performance.now() - t0;
  if (main.code !== 0) throw new Error(`${mode} run failed:\n${main.output.slice(-3000)}`);
  if (mode === 'cold-pull' && main.outputs['image-source'] !== 'published-pulled')
    throw new Error(`cold-pull did not pull the published image: ${main.outputs['image-source']}`);
  await beforePost?.(main.state);
  const t1 = performance.now();
  const post = await runStep('post', runner, inputs, { env: cache.env, state: main.state, project });
  const postMs = performance.now() - t1;
  if (post.code !== 0) throw new Error(`${mode} post failed:\n${post.output.slice(-3000)}`);
  const { phases, makeMs } = parseSummary(main.summary);
  bench.samples.push({ mode, mainMs, postMs, makeMs, phases });
  console.log(
    `run ${i} ${mode.padEnd(10)} main ${seconds(mainMs)} s, make ${seconds(makeMs)} s, overhead ${seconds(mainMs - makeMs)} s, post ${seconds(postMs)} s`
  );
}

async function ciStyleRun(bench: Bench, i: number, cache: CacheServer, entry: PendingSave): Promise<void> {
  const runner = await newRunner(bench);
  const result = await runCiStyleJob({
    runner,
    tree: path.join(runner.workspace, 'micropython'),
    entry: { key: entry.key, dir: entry.paths[0] },
    board: BOARD,
    cacheEnv: cache.env,
    registryUrl: bench.registryUrl
  });
  bench.samples.push({
    mode: 'ci-style',
    mainMs: result.wallMs,
    postMs: 0,
    makeMs: result.makeMs,
    phases: { idf: result.restoreMs }
  });
  console.log(
    `run ${i} ${'ci-style'.padEnd(10)} job  ${seconds(result.wallMs)} s, make ${seconds(result.makeMs)} s, overhead ${seconds(result.wallMs - result.makeMs)} s, restore ${seconds(result.restoreMs)} s`
  );
}

/** A fresh runner and an empty Actions cache, the image published and not here: pulled by digest. */
async function coldPullRun(bench: Bench, i: number, imageTag: string): Promise<void> {
  await publishImage(bench.pull, imageTag, 'v0.0.0-bench');
  const cache = await startCacheServer({ storageDir: path.join(bench.scratch, `cache-pull-${i}`) });
  try {
    await actionRun(bench, i, 'cold-pull', await newRunner(bench), cache, (state) =>
      pad(bench, entryDir(idfSave(state)))
    );
  } finally {
    await cache.close();
    await removePublished(bench.pull);
  }
}

async function iteration(bench: Bench, i: number, imageTag: string): Promise<void> {
  const cache = await startCacheServer({ storageDir: path.join(bench.scratch, `cache-${i}`) });
  try {
    // Cold: the action's image is not here. Only its tag goes: other images built from docker/ (the
    // tests', which may be running now) stay, and the image build may reuse their layers (said at the start).
    await run('docker', ['image', 'rm', imageTag], { allowFailure: true });
    await run('docker', ['builder', 'prune', '--all', '--force'], { allowFailure: true });
    const runner = await newRunner(bench);
    let entry: PendingSave | undefined;
    await actionRun(bench, i, 'cold', runner, cache, async (state) => {
      entry = idfSave(state);
      await pad(bench, entryDir(entry));
    });
    bench.archives.push(cache.entries().find((e) => e.key === entry!.key)?.size ?? NaN);
    if (bench.pullOnly) return await coldPullRun(bench, i, imageTag);
    await actionRun(bench, i, 'warm-local', runner, cache);
    // Two of each fresh-runner job, each order once: what one leaves behind (1.4 GB written) weighs on the other.
    const freshAction = async () => {
      await run('docker', ['image', 'rm', imageTag], { allowFailure: true });
      await actionRun(bench, i, 'warm-fresh', await newRunner(bench), cache);
    };
    const ciStyle = () => ciStyleRun(bench, i, cache, entry!);
    for (const job of [freshAction, ciStyle, ciStyle, freshAction]) await job();
    // The last warm-fresh run loaded the image the cold run built: that one is published.
    await coldPullRun(bench, i, imageTag);
  } finally {
    await cache.close();
  }
}

function report(bench: Bench, runs: number): void {
  const { samples } = bench;
  console.log(`\nMedians over ${runs} runs (seconds; warm-fresh and ci-style run twice in each):`);
  const modes = MODES.filter((mode) => samples.some((s) => s.mode === mode));
  const phaseNames = [...new Set(samples.flatMap((s) => Object.keys(s.phases)))];
  const header = ['mode', 'main', 'make', 'overhead', 'post', ...phaseNames];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const mode of modes) {
    const of = samples.filter((s) => s.mode === mode);
    const cells = [
      median(of.map((s) => s.mainMs)),
      median(of.map((s) => s.makeMs)),
      median(of.map((s) => s.mainMs - s.makeMs)),
      median(of.map((s) => s.postMs)),
      ...phaseNames.map((p) => median(of.map((s) => s.phases[p] ?? 0)))
    ].map(seconds);
    console.log(`| ${mode} | ${cells.join(' | ')} |`);
  }
  console.log('(ci-style: main is the whole job, idf its @actions/cache restore.)');
  const cold = (mode: Mode) =>
    median(samples.filter((s) => s.mode === mode).map((s) => s.phases.image ?? NaN));
  console.log(
    `\nImage on a cold fresh runner: built from docker/ ${seconds(cold('cold'))} s, pulled by digest from a registry on loopback ${seconds(cold('cold-pull'))} s ` +
      '(the base layer is local: a real runner pulls it too)'
  );
  if (bench.pullOnly) return;

  const overhead = (mode: Mode) =>
    median(samples.filter((s) => s.mode === mode).map((s) => s.mainMs - s.makeMs));
  const fresh = samples.filter((s) => s.mode === 'warm-fresh');
  const serial = median(
    fresh.map((s) => (s.phases.image ?? 0) + (s.phases.idf ?? 0) + (s.phases.ccache ?? 0))
  );
  console.log(
    `\nwarm-fresh: overhead ${seconds(overhead('warm-fresh'))} s vs image load + cache restores one after the other ${seconds(serial)} s (ratio ${(overhead('warm-fresh') / serial).toFixed(2)})`
  );
  const least = (mode: Mode) =>
    Math.min(...samples.filter((s) => s.mode === mode).map((s) => s.mainMs - s.makeMs));
  console.log(
    `warm-fresh overhead ${seconds(overhead('warm-fresh'))} s vs the CI-style job's ${seconds(overhead('ci-style'))} s: ratio ${(overhead('warm-fresh') / overhead('ci-style')).toFixed(2)} (target 1.2 at most); ` +
      `of the least of each (the runs least disturbed) ${seconds(least('warm-fresh'))} s vs ${seconds(least('ci-style'))} s: ${(least('warm-fresh') / least('ci-style')).toFixed(2)}`
  );
  const p = bench.padding!;
  console.log(
    `\nESP-IDF entry: the fixture's ${mb(p.fixture.bytes)} MB in ${p.fixture.files} files, padded by ${mb(p.added.bytes)} MB in ${p.added.files} files ` +
      `to a real one's ${mb(REAL_IDF_ENTRY.bytes)} MB; in the Actions cache ${bench.archives.map(mb).join(', ')} MB (a real one: ${mb(REAL_IDF_ENTRY.archiveBytes)} MB)`
  );
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  await requireDocker();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-'));
  await run('chmod', ['a+rx', scratch]);
  const user = runnerUser();
  const upstreams = await createUpstreams({
    toolPadding: Number(process.env.BENCH_TOOL_MB ?? 0) * 1024 * 1024
  });
  // The runner user owns its mirror (git refuses repositories owned by others).
  await run('chown', ['-R', `${user.uid}:${user.gid}`, upstreams.root]);
  // The image runStep has the action build (see withTestImageInputs).
  const imageTag = imageRef(
    await imageInputsHash(path.join(PROJECT, 'docker'), 'bookworm', BOOKWORM_TEST_BUILD_ARGS)
  );
  const bench: Bench = {
    scratch,
    user,
    pull: await startPullPath(scratch),
    pullOnly: process.argv.includes('--pull-only'),
    registryUrl: upstreams.registry.url,
    inputs: {
      'micropython-path': 'micropython',
      board: BOARD,
      'idf-version': 'v5.2.2',
      'idf-repo': upstreams.idfRepoUrl,
      'idf-tools-mirror': upstreams.assetsMirror,
      'component-registry-mirror': upstreams.registry.url,
      network: 'host'
    },
    samples: [],
    archives: []
  };
  const others = await run('docker', [
    'image',
    'ls',
    '--format',
    '{{.Repository}}:{{.Tag}}',
    '--filter',
    `label=org.opencontainers.image.title=${IMAGE_NAME}`
  ]);
  const reusable = others.stdout.split('\n').filter((ref) => ref && ref !== imageTag);
  if (reusable.length) {
    console.log(
      `Images from docker/Dockerfile are here; the cold runs' image builds may reuse their layers: ${reusable.join(', ')}`
    );
  }
  try {
    for (let i = 1; i <= runs; i++) await iteration(bench, i, imageTag);
    report(bench, runs);
    if (!bench.pullOnly) console.log(`\nImages, compressed (MiB):\n${formatImageSizes(await imageSizes())}`);
  } finally {
    await bench.pull.registry.stop();
    await upstreams.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
