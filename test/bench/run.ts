/**
 * Benchmark: the end-to-end fixture build through the bundled action, three
 * ways, several times each:
 *   cold        nothing on the runner, nothing in the Actions cache, no image
 *               and no Docker build cache (the base image stays: it is local)
 *   warm-local  the same runner again: local image and tool cache present
 *   warm-fresh  a fresh runner (empty tool cache, no images) with only the
 *               Actions cache kept
 * It prints the median of each phase and each run's overhead over the make
 * inside it (wall time of the main step minus the make time the build
 * reports). Usage: npm run bench [-- --runs N]; BENCH_TOOL_MB sets the size of
 * each fixture tool archive (default 150, about a real toolchain's).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { IMAGE_NAME, imageInputsHash } from '../../src/pipeline/image.js';
import { startCacheServer } from '../support/cache-server.js';
import { requireDocker } from '../support/docker.js';
import { createMicroPythonTree } from '../support/micropython-tree.js';
import { makeRunner, PROJECT, runnerUser, runStep, type Runner } from '../support/runner.js';
import { createUpstreams } from '../support/upstreams.js';

type Mode = 'cold' | 'warm-local' | 'warm-fresh';

interface Sample {
  mode: Mode;
  mainMs: number;
  postMs: number;
  makeMs: number;
  phases: Record<string, number>;
}

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

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  await requireDocker();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-'));
  await run('chmod', ['a+rx', scratch]);
  const user = runnerUser();
  // Tool archives the size of real ones (ESP-IDF's installed tools run to hundreds of megabytes), so that
  // restoring an ESP-IDF entry costs what it really does.
  const padding = Number(process.env.BENCH_TOOL_MB ?? 150) * 1024 * 1024;
  const upstreams = await createUpstreams({ toolPadding: padding });
  // The runner user owns its mirror (git refuses repositories owned by others).
  await run('chown', ['-R', `${user.uid}:${user.gid}`, upstreams.root]);
  const imageRef = `${IMAGE_NAME}:${await imageInputsHash(path.join(PROJECT, 'docker'))}`;
  const samples: Sample[] = [];

  const newRunner = async (): Promise<Runner> => {
    await rm(path.join(scratch, 'runner'), { recursive: true, force: true });
    const runner = makeRunner(path.join(scratch, 'runner'), user);
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2'
    });
    await run('chown', ['-R', `${user.uid}:${user.gid}`, tree.root]);
    return runner;
  };
  const inputs = {
    'micropython-path': 'micropython',
    board: 'ESP32_GENERIC',
    'idf-version': 'v5.2.2',
    'idf-repo': upstreams.idfRepoUrl,
    'idf-tools-mirror': upstreams.assetsMirror,
    network: 'host'
  };

  try {
    for (let i = 1; i <= runs; i++) {
      const cache = await startCacheServer({ storageDir: path.join(scratch, `cache-${i}`) });
      const once = async (mode: Mode, runner: Runner) => {
        const t0 = performance.now();
        const main = await runStep('main', runner, inputs, { env: cache.env });
        const mainMs = performance.now() - t0;
        if (main.code !== 0) throw new Error(`${mode} run failed:\n${main.output.slice(-3000)}`);
        const t1 = performance.now();
        const post = await runStep('post', runner, inputs, { env: cache.env, state: main.state });
        const postMs = performance.now() - t1;
        if (post.code !== 0) throw new Error(`${mode} post failed:\n${post.output.slice(-3000)}`);
        const { phases, makeMs } = parseSummary(main.summary);
        samples.push({ mode, mainMs, postMs, makeMs, phases });
        console.log(
          `run ${i} ${mode.padEnd(10)} main ${(mainMs / 1000).toFixed(2)} s, make ${(makeMs / 1000).toFixed(2)} s, overhead ${((mainMs - makeMs) / 1000).toFixed(2)} s, post ${(postMs / 1000).toFixed(2)} s`
        );
      };
      // Cold: no image built from docker/ at all, so no layer can be reused.
      const images = await run('docker', ['image', 'ls', '--quiet', '--filter', `reference=${IMAGE_NAME}`]);
      const ids = [...new Set(images.stdout.split('\n').filter(Boolean))];
      if (ids.length) await run('docker', ['image', 'rm', '--force', ...ids]);
      await run('docker', ['builder', 'prune', '--all', '--force'], { allowFailure: true });
      const runner = await newRunner();
      await once('cold', runner);
      await once('warm-local', runner);
      await run('docker', ['image', 'rm', '--force', imageRef]);
      await once('warm-fresh', await newRunner());
      await cache.close();
    }
  } finally {
    await upstreams.close();
    await rm(scratch, { recursive: true, force: true });
  }

  console.log(`\nMedians over ${runs} runs (seconds):`);
  const phaseNames = [...new Set(samples.flatMap((s) => Object.keys(s.phases)))];
  const header = ['mode', 'main', 'make', 'overhead', 'post', ...phaseNames];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const mode of ['cold', 'warm-local', 'warm-fresh'] as Mode[]) {
    const of = samples.filter((s) => s.mode === mode);
    const cells = [
      median(of.map((s) => s.mainMs)),
      median(of.map((s) => s.makeMs)),
      median(of.map((s) => s.mainMs - s.makeMs)),
      median(of.map((s) => s.postMs)),
      ...phaseNames.map((p) => median(of.map((s) => s.phases[p] ?? 0)))
    ].map((ms) => (ms / 1000).toFixed(2));
    console.log(`| ${mode} | ${cells.join(' | ')} |`);
  }
  const fresh = samples.filter((s) => s.mode === 'warm-fresh');
  const serial = median(
    fresh.map((s) => (s.phases.image ?? 0) + (s.phases.idf ?? 0) + (s.phases.ccache ?? 0))
  );
  const overlapped = median(fresh.map((s) => s.mainMs - s.makeMs));
  console.log(
    `\nwarm-fresh: overhead ${(overlapped / 1000).toFixed(2)} s vs image load + cache restores one after the other ${(serial / 1000).toFixed(2)} s (ratio ${(overlapped / serial).toFixed(2)})`
  );
}

await main();
