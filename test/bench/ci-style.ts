/**
 * A job in the style of MicroPython's own CI (.github/workflows/ports_esp32.yml
 * and tools/ci.sh at v1.24.1): actions/cache restores the ESP-IDF checkout with
 * its installed tools, then the host sources export.sh and runs make, with no
 * image at all. Here it restores the very entry the action saved (same paths,
 * same key, the real @actions/cache against the loopback cache service) into a
 * fresh runner, and runs the fixture tree's make on this machine, as the
 * runner user. Its overhead (wall time minus make time) is what the action's
 * fresh-runner warm run is measured against.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { PROJECT, type Runner } from '../support/runner.js';

export interface CiStyleJob {
  runner: Runner;
  /** The MicroPython tree, in the runner's workspace. */
  tree: string;
  /** The action's ESP-IDF entry: its key and the directory it was saved from. */
  entry: { key: string; dir: string };
  board: string;
  /** @actions/cache's environment (the loopback cache service). */
  cacheEnv: Record<string, string>;
  /** Where the component manager downloads from (MicroPython's CI asks Espressif's registry). */
  registryUrl: string;
}

export interface CiStyleResult {
  wallMs: number;
  restoreMs: number;
  makeMs: number;
}

/** restoreCache(paths, key) of @actions/cache, as actions/cache's restore step calls it. */
const RESTORE = [
  "import * as cache from '@actions/cache';",
  'const [key, dir] = process.argv.slice(1);',
  'const hit = await cache.restoreCache([dir], key);',
  'if (!hit) { console.error(`ci-style: no cache entry ${key}`); process.exit(2); }'
].join('\n');

/**
 * The job's steps, each timed: the restore, then tools/ci.sh's
 * ci_esp32_build_common and a board build (the three makes timed together,
 * as the action's build script times them).
 */
const STEPS = [
  'set -e',
  'board=$1; jobs=$2; key=$3; entry=$4; tree=$5; project=$6',
  't0=$(date +%s%N)',
  '(cd "$project" && node --input-type=module -e "$RESTORE" "$key" "$entry")',
  't1=$(date +%s%N)',
  'export IDF_PATH="$entry/esp-idf" IDF_TOOLS_PATH="$entry/espressif"',
  '. "$IDF_PATH/export.sh" >/dev/null',
  'cd "$tree"',
  't2=$(date +%s%N)',
  'make -C mpy-cross -j"$jobs"',
  'make -C ports/esp32 BOARD="$board" submodules',
  'make -C ports/esp32 -j"$jobs" BOARD="$board"',
  't3=$(date +%s%N)',
  'echo "ci-style: restore $(( (t1 - t0) / 1000000 )) ms, make $(( (t3 - t2) / 1000000 )) ms"'
].join('\n');

export async function runCiStyleJob(job: CiStyleJob): Promise<CiStyleResult> {
  const { runner } = job;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: runner.dir,
    RUNNER_TEMP: runner.temp,
    RUNNER_TOOL_CACHE: runner.toolCache,
    GITHUB_WORKSPACE: runner.workspace,
    RESTORE,
    IDF_COMPONENT_REGISTRY_URL: job.registryUrl,
    ...job.cacheEnv
  };
  const args = [
    '-c',
    STEPS,
    'ci-style',
    job.board,
    String(os.availableParallelism()),
    job.entry.key,
    job.entry.dir,
    job.tree,
    PROJECT
  ];
  const user = runner.user;
  const [command, argv] = user
    ? ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, `--groups=${user.gid}`, 'bash', ...args]]
    : ['bash', args];
  const start = performance.now();
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(command, argv, { env, cwd: runner.workspace, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  const wallMs = performance.now() - start;
  const text = output.join('');
  const times = /^ci-style: restore (\d+) ms, make (\d+) ms$/m.exec(text);
  if (code !== 0 || !times) throw new Error(`The CI-style job failed (exit ${code}):\n${text.slice(-3000)}`);
  return { wallMs, restoreMs: Number(times[1]), makeMs: Number(times[2]) };
}
