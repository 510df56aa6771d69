/**
 * Whether an ESP-IDF checkout that this run did not just clone (kept on this
 * machine, or restored from the Actions cache) is what it claims to be: at
 * the expected commit, every submodule at the commit it pins, nothing
 * modified, added or removed. A checkout that is not is never repaired: it
 * is set aside and fetched again.
 *
 * Such a checkout's own git configuration is not trusted either, since git
 * runs what it names (a filter while `git status` hashes files, an fsmonitor,
 * a hook): before any command that could run one, the configuration of the
 * checkout and of each of its submodules must hold nothing but what a clone
 * writes.
 */
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ExecError } from '../exec.js';
import { git } from '../git.js';

/** The keys a clone with submodules writes (git config --list spells sections and keys in lower case). */
const CLONE_KEYS = [
  /^core\.(repositoryformatversion|filemode|bare|logallrefupdates|symlinks|ignorecase|precomposeunicode)$/,
  /^core\.worktree$/,
  /^remote\.origin\.(url|fetch|tagopt|promisor|partialclonefilter)$/,
  /^branch\.[^\n]+\.(remote|merge)$/,
  /^submodule\.[^\n]+\.(url|active)$/
];

/**
 * What is wrong with a repository's configuration (`git config --list
 * --null` output), or undefined: a key a clone does not write, a bare
 * repository, or a work tree other than the expected one. Pure.
 */
export function configProblem(listing: string, gitDir: string, worktree: string): string | undefined {
  for (const entry of listing.split('\0')) {
    if (entry === '') continue;
    const newline = entry.indexOf('\n');
    const key = newline >= 0 ? entry.slice(0, newline) : entry;
    const value = newline >= 0 ? entry.slice(newline + 1) : '';
    if (!CLONE_KEYS.some((re) => re.test(key))) return `its git configuration sets ${key}`;
    if (key === 'core.bare' && value !== 'false') return 'its git configuration makes it bare';
    if (key === 'core.worktree' && path.resolve(gitDir, value) !== worktree) {
      return `its git configuration points the work tree elsewhere (${value})`;
    }
  }
  return undefined;
}

/** The submodule paths (gitlinks) of a `git ls-tree -r -z` listing. Pure. */
export function gitlinks(listing: string): string[] {
  const paths: string[] = [];
  for (const entry of listing.split('\0')) {
    const match = /^160000 commit [0-9a-f]+\t(.+)$/s.exec(entry);
    if (match) paths.push(match[1]);
  }
  return paths;
}

/** The paths of a `git status --porcelain -z` listing, with their status, for a message. Pure. */
export function statusSummary(listing: string, max = 5): string {
  const entries = listing.split('\0').filter((e) => e.length > 3);
  const shown = entries.slice(0, max).map((e) => `${e.slice(0, 2).trim()} ${e.slice(3)}`);
  return entries.length > max ? `${shown.join(', ')} and ${entries.length - max} more` : shown.join(', ');
}

interface Repo {
  worktree: string;
  gitDir: string;
}

/** The repository of a submodule's work tree: a .git file that points into the top's .git/modules, or a .git directory. */
async function submoduleRepo(worktree: string, modules: string): Promise<Repo | string> {
  const dotGit = path.join(worktree, '.git');
  const info = await lstat(dotGit).catch(() => undefined);
  if (!info) return `the submodule ${worktree} is not checked out`;
  if (info.isDirectory()) return { worktree, gitDir: dotGit };
  if (!info.isFile()) return `${dotGit} is neither a file nor a directory`;
  const match = /^gitdir: (.+?)\s*$/.exec(await readFile(dotGit, 'utf8'));
  const gitDir = match ? path.resolve(worktree, match[1]) : '';
  const inside = path.relative(modules, gitDir);
  if (!match || inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
    return `${dotGit} does not point into ${modules}`;
  }
  return { worktree, gitDir };
}

type Step = (args: string[]) => Promise<string>;

/** The checkout's repository and its submodules', each with a configuration a clone would write. */
async function checkRepos(top: Repo, step: Step): Promise<string | undefined> {
  const modules = path.join(top.gitDir, 'modules');
  const queue = [top];
  for (let repo = queue.shift(); repo; repo = queue.shift()) {
    const config = path.join(repo.gitDir, 'config');
    const listing = await step(['config', '--file', config, '--no-includes', '--null', '--list']);
    const problem = configProblem(listing, repo.gitDir, repo.worktree);
    if (problem) return `${path.relative(top.worktree, repo.worktree) || 'ESP-IDF'}: ${problem}`;
    if (await lstat(path.join(repo.gitDir, 'info', 'attributes')).catch(() => undefined)) {
      return `${repo.gitDir}/info/attributes exists, which no clone writes`;
    }
    for (const sub of gitlinks(
      await step(['-C', repo.worktree, 'ls-tree', '-r', '-z', '--full-tree', 'HEAD'])
    )) {
      const found = await submoduleRepo(path.join(repo.worktree, sub), modules);
      if (typeof found === 'string') return found;
      queue.push(found);
    }
  }
  return undefined;
}

/**
 * Why the checkout at `idfPath` cannot be used, or undefined when it can: it
 * must be at `commit` (when given), with every submodule at the commit it
 * pins, and nothing modified, added or removed (git status, with the
 * untracked cache off so that the index cannot hide a file).
 */
export async function checkoutProblem(
  idfPath: string,
  commit: string | undefined,
  signal?: AbortSignal
): Promise<string | undefined> {
  const top = { worktree: idfPath, gitDir: path.join(idfPath, '.git') };
  const info = await lstat(top.gitDir).catch(() => undefined);
  if (!info?.isDirectory()) return `${top.gitDir} is missing or not a directory`;
  // repo '': these commands talk to no repository, so no transport is allowed.
  const step: Step = async (args) => (await git(args, { repo: '', signal, timeoutMs: 600_000 })).stdout;
  try {
    const head = (await step(['-C', idfPath, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])).trim();
    if (commit !== undefined && head !== commit) return `it is at ${head || 'no commit'}, not at ${commit}`;
    const repos = await checkRepos(top, step);
    if (repos) return repos;
    const status = await step([
      '-C',
      idfPath,
      '-c',
      'core.untrackedCache=false',
      'status',
      '--porcelain=v1',
      '-z',
      '--ignore-submodules=none',
      '--untracked-files=normal'
    ]);
    if (status !== '') return `it differs from its commit: ${statusSummary(status)}`;
    return undefined;
  } catch (error) {
    if (error instanceof ExecError) return `git cannot read it: ${error.message.split('\n')[0]}`;
    throw error;
  }
}
