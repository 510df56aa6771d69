/**
 * Who may read what a build wrote. ccache and the component manager's cache
 * are written by the build itself, that is by the tree's own code, which on a
 * pull request is a stranger's: a build can plant objects there that a later
 * trusted build would link. So under the default policy those caches are
 * scoped to the ref that wrote them:
 * - their keys (and, on a self-hosted runner, their directories) carry the
 *   scope: the branch, the pull request or the tag;
 * - a run restores its own scope first, then the default branch's, nothing
 *   else: a pull request starts from the default branch's objects, and the
 *   default branch never sees a pull request's;
 * - nothing is saved from `pull_request_target` or `workflow_run`: those run
 *   with the base branch's cache scope, whatever code they check out.
 * The Actions cache itself keeps a pull request's entries from other
 * branches; the scope in the key also separates them on self-hosted runners
 * and stops `pull_request_target` from mixing its objects into the base's.
 * Pure.
 */
import { shortHash } from './keys.js';

export const BUILD_CACHE_POLICIES = ['scoped', 'shared', 'read-only'] as const;
export type BuildCachePolicy = (typeof BUILD_CACHE_POLICIES)[number];

/** What the runner says about the run (GITHUB_EVENT_NAME, GITHUB_REF, the repository's default branch). */
export interface RunContext {
  event?: string;
  ref?: string;
  defaultBranch?: string;
}

export interface CacheScope {
  /** The scope in words: branch main, pull request 12, … ; '' when unscoped. */
  name: string;
  /** What keys and directories get; '' when unscoped. */
  tag: string;
  /** The scope also restored from (the default branch's), if any. */
  fallbackTag?: string;
  /** Whether this run may save what its build wrote. */
  save: boolean;
  /** Why not, when it may not. */
  why?: string;
}

/** Events whose runs get the base branch's cache scope while they may build other code. */
const BASE_SCOPED_EVENTS = ['pull_request_target', 'workflow_run'];

function tagOf(name: string): string {
  return `s${shortHash(name, 10)}`;
}

function scopeName(ref: string): string {
  const pull = /^refs\/pull\/(\d+)\//.exec(ref);
  if (pull) return `pull request ${pull[1]}`;
  if (ref.startsWith('refs/heads/')) return `branch ${ref.slice('refs/heads/'.length)}`;
  if (ref.startsWith('refs/tags/')) return `tag ${ref.slice('refs/tags/'.length)}`;
  return `ref ${ref}`;
}

/** The scope of the caches this run's build writes. Pure. */
export function cacheScope(policy: BuildCachePolicy, run: RunContext): CacheScope {
  if (policy === 'shared') return { name: '', tag: '', save: true };
  // Outside GitHub Actions (the CLI on a developer's machine) there is one, trusted, user.
  if (!run.ref) {
    return policy === 'read-only'
      ? { name: '', tag: '', save: false, why: 'build-cache-policy: read-only' }
      : { name: '', tag: '', save: true };
  }
  const untrusted = BASE_SCOPED_EVENTS.includes(run.event ?? '');
  // Such a run shares the base branch's ref, so it gets a scope of its own (on a self-hosted
  // runner, its own directories) and reads the base branch's caches without writing them.
  const name = untrusted ? `${run.event} on ${scopeName(run.ref)}` : scopeName(run.ref);
  const fallback = run.defaultBranch ? `branch ${run.defaultBranch}` : undefined;
  const scope: CacheScope = { name, tag: tagOf(name), save: true };
  if (fallback && fallback !== name) scope.fallbackTag = tagOf(fallback);
  if (untrusted) {
    Object.assign(scope, {
      save: false,
      why: `a ${run.event} run saves no build cache (build-cache-policy: scoped)`
    });
  } else if (policy === 'read-only') {
    Object.assign(scope, { save: false, why: 'build-cache-policy: read-only' });
  }
  return scope;
}
