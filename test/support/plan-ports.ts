/**
 * Fake ports for planning and executing without a Docker engine: a docker
 * client that records what it is asked and answers from a set of images, a
 * cache that is available but empty, a progress that keeps its lines, and a
 * small real ESP-IDF git repository (a tag and a branch) for ls-remote and clone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, type RunOptions, type RunResult } from '../../src/exec.js';
import { parseInputs, type Inputs } from '../../src/inputs.js';
import type { CacheStore, Log, Progress } from '../../src/ports.js';
import { Docker } from '../../src/pipeline/docker.js';

export class RecordingDocker extends Docker {
  readonly images = new Set<string>();
  /** Every `docker run` argv (after `docker`), in order. */
  readonly runs: string[][] = [];
  readonly calls: string[][] = [];
  /** What `image inspect` says an image's ESP32_DEVEL_PYTHON is. */
  python = '3.9';

  constructor(private readonly onRun: (args: string[]) => void = () => {}) {
    super({}, 'docker-that-is-never-run');
  }

  async check(): Promise<string> {
    return '27.5.1';
  }

  async hasImage(ref: string): Promise<boolean> {
    return this.images.has(ref);
  }

  async remove(): Promise<void> {}

  async run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    this.calls.push(args);
    if (options.signal?.aborted) throw new Error('cancelled');
    if (args[0] === 'run') {
      this.runs.push(args);
      this.onRun(args);
    }
    if (args[0] === 'build') this.images.add(args[args.indexOf('--tag') + 1]);
    if (args[0] === 'pull') this.images.add(args[1]);
    if (args[0] === 'image' && args[1] === 'inspect') {
      return { code: 0, stdout: JSON.stringify([`ESP32_DEVEL_PYTHON=${this.python}`]), stderr: '' };
    }
    return { code: 0, stdout: '', stderr: '' };
  }
}

/** A cache service that answers but holds nothing: every restore misses. */
export class EmptyCache implements CacheStore {
  readonly available = true;
  readonly restores: string[] = [];
  async restore(_paths: string[], key: string): Promise<string | undefined> {
    this.restores.push(key);
    return undefined;
  }
  async save(): Promise<void> {}
}

export const quietLog: Log = { info() {}, warning() {}, debug() {}, output() {} };

export class QuietProgress implements Progress {
  readonly log = quietLog;
  readonly titles: string[] = [];
  async phase<T>(title: string, fn: (log: Log) => Promise<T>): Promise<T> {
    this.titles.push(title);
    return fn(quietLog);
  }
}

/** A tiny ESP-IDF repository: tag v5.2.2 and branch release/v5.2, install.sh included. */
export async function tinyIdfRepo(dir: string): Promise<{ url: string; commit: string }> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'install.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  writeFileSync(path.join(dir, 'export.sh'), 'true\n');
  const git = (...args: string[]) =>
    run('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
  await git('init', '--quiet', '--initial-branch=master');
  await git('add', '.');
  await git('commit', '--quiet', '-m', 'ESP-IDF');
  await git('tag', '-a', 'v5.2.2', '-m', 'v5.2.2');
  await git('branch', 'release/v5.2');
  const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
  return { url: dir, commit };
}

/** The inputs of a build of `tree`, as the action would parse them. */
export function inputsFor(tree: string, given: Record<string, string> = {}): Inputs {
  return parseInputs((name) => given[name] ?? '', { workspace: tree, cpus: 2 });
}
