/**
 * Runs the committed dist/ bundles the way the GitHub runner does: a node
 * process with INPUT_* variables and the runner's command files, optionally
 * as a non-root user in the docker group (as on GitHub's hosted runners).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { BOOKWORM_TEST_BUILD_ARGS, buildArgLines } from './docker.js';
import { PROJECT } from './project.js';

export { PROJECT };

export interface RunnerUser {
  uid: number;
  gid: number;
  groups: number[];
}

/** A runner machine: its workspace, temp dir and tool cache, at fixed paths under `dir`. */
export interface Runner {
  dir: string;
  workspace: string;
  temp: string;
  toolCache: string;
  user?: RunnerUser;
}

export interface StepResult {
  code: number;
  output: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

/** The docker group's GID on this machine. */
export function dockerGid(): number {
  const line = execFileSync('getent', ['group', 'docker'], { encoding: 'utf8' });
  return Number(line.split(':')[2]);
}

/** The runner user of GitHub's hosted images: uid 1001, in the docker group. */
export function runnerUser(): RunnerUser {
  return { uid: 1001, gid: 1001, groups: [dockerGid()] };
}

export function makeRunner(dir: string, user?: RunnerUser): Runner {
  const runner = {
    dir,
    workspace: path.join(dir, 'work'),
    temp: path.join(dir, 'temp'),
    toolCache: path.join(dir, 'toolcache'),
    user
  };
  for (const d of [dir, runner.workspace, runner.temp, runner.toolCache, path.join(dir, 'files')]) {
    mkdirSync(d, { recursive: true });
    if (user) chownSync(d, user.uid, user.gid);
  }
  return runner;
}

/** Parse the GITHUB_OUTPUT / GITHUB_STATE file format (name<<delimiter … delimiter). */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]);
      values[heredoc[1]] = body.join('\n');
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=');
      values[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return values;
}

let counter = 0;

/**
 * The inputs as a step gets them: a build of the image with no build
 * arguments of the test's own gets the local bookworm base
 * (docker/Dockerfile's default is pinned by digest, which only a registry has).
 */
export function withTestImageInputs(inputs: Record<string, string>): Record<string, string> {
  if ((inputs.image ?? 'build') !== 'build' || 'image-build-args' in inputs) return inputs;
  return { ...inputs, 'image-build-args': buildArgLines(BOOKWORM_TEST_BUILD_ARGS) };
}

export async function runStep(
  phase: 'main' | 'post',
  runner: Runner,
  inputs: Record<string, string>,
  options: {
    env?: Record<string, string>;
    state?: Record<string, string>;
    timeoutMs?: number;
    /** The step's process, once started (to stop it from outside, as a runner killed mid-step would). */
    onSpawn?: (child: ChildProcess) => void;
    /** Each piece of output as it comes (stdout and stderr). */
    onOutput?: (text: string) => void;
    /** The action's directory (dist/, docker/, action.yml): a scratch copy of it, or this project. */
    project?: string;
  } = {}
): Promise<StepResult> {
  const files = path.join(runner.dir, 'files', `${phase}-${++counter}`);
  mkdirSync(files, { recursive: true });
  const names = ['output', 'state', 'env', 'path', 'summary', 'event.json'];
  for (const n of names) writeFileSync(path.join(files, n), '');
  // The webhook payload, as much of it as the action reads.
  writeFileSync(path.join(files, 'event.json'), JSON.stringify({ repository: { default_branch: 'main' } }));
  if (runner.user) {
    chownSync(files, runner.user.uid, runner.user.gid);
    for (const n of names) chownSync(path.join(files, n), runner.user.uid, runner.user.gid);
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: runner.dir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: runner.workspace,
    RUNNER_TEMP: runner.temp,
    RUNNER_TOOL_CACHE: runner.toolCache,
    RUNNER_OS: 'Linux',
    GITHUB_OUTPUT: path.join(files, 'output'),
    GITHUB_STATE: path.join(files, 'state'),
    GITHUB_ENV: path.join(files, 'env'),
    GITHUB_PATH: path.join(files, 'path'),
    GITHUB_STEP_SUMMARY: path.join(files, 'summary'),
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REPOSITORY: 'tester/firmware',
    // A push to the default branch, unless a test says otherwise.
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_PATH: path.join(files, 'event.json'),
    ...options.env
  };
  for (const [name, value] of Object.entries(withTestImageInputs(inputs)))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const script = path.join(options.project ?? PROJECT, 'dist', phase, 'index.js');
  const [command, args] = runner.user
    ? [
        'setpriv',
        [
          `--reuid=${runner.user.uid}`,
          `--regid=${runner.user.gid}`,
          `--groups=${runner.user.groups.join(',') || runner.user.gid}`,
          process.execPath,
          script
        ]
      ]
    : [process.execPath, [script]];

  const chunks: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: runner.workspace, stdio: ['ignore', 'pipe', 'pipe'] });
    options.onSpawn?.(child);
    const take = (d: Buffer) => {
      chunks.push(d.toString());
      options.onOutput?.(d.toString());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15 * 60_000);
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c ?? 1);
    });
  });
  return {
    code,
    output: chunks.join(''),
    outputs: parseCommandFile(readFileSync(path.join(files, 'output'), 'utf8')),
    state: parseCommandFile(readFileSync(path.join(files, 'state'), 'utf8')),
    summary: readFileSync(path.join(files, 'summary'), 'utf8')
  };
}
