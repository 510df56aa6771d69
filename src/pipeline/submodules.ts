/**
 * `make submodules` writes the tree's .git (its config and .git/modules), and
 * no container may: so the port is asked, in a container like the build's,
 * which submodules it would update, and git on this machine updates those.
 * The port is asked the way it computes them: its own `make submodules` runs
 * with a `git` whose `submodule update` only names the paths (every other
 * git command is git itself), which serves every era alike: the GIT_SUBMODULES
 * of the legacy Makefile, the ECHO_SUBMODULES pass of v1.22–v1.24, the
 * UPDATE_SUBMODULES reconfigure of v1.25 on. What it names is the tree's
 * word, so only paths inside the tree are taken, and git runs hardened.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { ExecError } from '../exec.js';
import { git, isLocalRepo } from '../git.js';
import type { Log } from '../ports.js';

/** How the container names a path `git submodule update` was asked for. */
export const SUBMODULE_MARK = 'esp32-build-submodule';

/** git as `make submodules` meets it in that container (POSIX sh; the real git is $ESP32_BUILD_GIT). */
const GIT_FOR_SUBMODULES = String.raw`#!/bin/sh
# git submodule update only names its paths; any other git command runs.
dir=$PWD state=global action=
for a in "$@"; do
  case $state in
    global)
      case $a in
        -C) state=dir ;;
        -c|--git-dir|--work-tree|--namespace|--config-env) state=skip ;;
        -*) ;;
        submodule) state=sub ;;
        *) exec "$ESP32_BUILD_GIT" "$@" ;;
      esac ;;
    dir) dir=$(cd "$dir" 2>/dev/null && cd "$a" 2>/dev/null && pwd) || dir=$a; state=global ;;
    skip) state=global ;;
    sub) case $a in -*) ;; *) action=$a state=args ;; esac ;;
    value) state=args ;;
    args|paths)
      [ "$action" = update ] || continue
      case $state:$a in
        args:--) state=paths ;;
        args:--reference|args:--depth|args:--jobs|args:-j|args:--filter) state=value ;;
        args:-*) ;;
        *) printf '%s\t%s\t%s\n' esp32-build-submodule "$dir" "$a" ;;
      esac ;;
  esac
done
[ "$state" = global ] && exec "$ESP32_BUILD_GIT" "$@"
exit 0
`;

/** `make submodules` with that git first on PATH; make's other arguments (-C ports/esp32, the board) follow the script. */
export const SUBMODULES_SCRIPT = [
  'set -e',
  'ESP32_BUILD_GIT=$(command -v git); export ESP32_BUILD_GIT',
  'shim=$(mktemp -d)',
  `cat > "$shim/git" <<'ESP32_BUILD_GIT_EOF'`,
  GIT_FOR_SUBMODULES + 'ESP32_BUILD_GIT_EOF',
  'chmod +x "$shim/git"',
  'PATH="$shim:$PATH" make "$@" submodules'
].join('\n');

/** A submodule path as MicroPython names them (lib/berkeley-db-1.xx). */
const PATH_WORDS = /^[A-Za-z0-9_.@+-]+(\/[A-Za-z0-9_.@+-]+)*$/;

/**
 * The submodules the port named, relative to the tree (`tree` as the
 * container names it), and the names refused (outside the tree, into a
 * .git, or not a plain path). Pure.
 */
export function requestedSubmodules(output: string, tree: string): { paths: string[]; refused: string[] } {
  const paths: string[] = [];
  const refused: string[] = [];
  for (const line of output.split('\n')) {
    const fields = line.replace(/\r$/, '').split('\t');
    if (fields[0] !== SUBMODULE_MARK) continue;
    const [, dir = '', name = ''] = fields;
    // The container's paths, POSIX whatever the host.
    const relative = path.posix.isAbsolute(dir)
      ? path.posix.relative(tree, path.posix.resolve(dir, name))
      : '';
    const plain =
      fields.length === 3 &&
      PATH_WORDS.test(relative) &&
      !relative.startsWith('..') &&
      !relative.split('/').some((part) => part === '.git' || part === '.' || part === '..');
    if (!plain) refused.push(name || line);
    else if (!paths.includes(relative)) paths.push(relative);
  }
  return { paths, refused };
}

/**
 * git's settings for a tree's submodules: no fsmonitor, no hooks, no ext::
 * transport, and no file:// one unless the tree itself was cloned from a
 * local path (its submodules are then local too, as for ESP-IDF's). The
 * tree's origin is in its .git/config, which no build can write. Pure.
 */
export function submoduleGitConfig(origin: string | undefined): string[] {
  const config = ['core.fsmonitor=false', 'core.hooksPath=/dev/null', 'protocol.ext.allow=never'];
  if (!origin || !isLocalRepo(origin)) config.push('protocol.file.allow=never');
  return config.flatMap((setting) => ['-c', setting]);
}

export interface SubmoduleContext {
  log: Log;
  signal?: AbortSignal;
  /** Run git as this user: the tree's owner, when this process is root and someone else owns the tree. */
  user?: { uid: number; gid: number };
}

/** Longer than any submodule clone needs; a stalled one must not hold the job for hours. */
const SUBMODULE_TIMEOUT_MS = 30 * 60_000;

/** Whether a directory on the way to `relative` is a link (git would write where it points). */
async function throughLink(tree: string, relative: string): Promise<boolean> {
  let at = tree;
  for (const part of relative.split('/')) {
    at = path.join(at, part);
    const info = await lstat(at).catch(() => undefined);
    if (!info) return false;
    if (info.isSymbolicLink()) return true;
  }
  return false;
}

/**
 * `git submodule sync` and `update --init` of `paths`, on this machine,
 * hardened. The port's container could write the tree: a submodule's
 * directory that it turned into a link is refused, not followed.
 */
export async function updateSubmodules(tree: string, paths: string[], ctx: SubmoduleContext): Promise<void> {
  if (paths.length === 0) return;
  for (const relative of paths) {
    if (await throughLink(tree, relative)) {
      throw new Error(
        `The port's make submodules names ${relative}, but in ${tree} that path goes through a symbolic link, which git would follow: not updating it. Check out the tree afresh.`
      );
    }
  }
  const base = { cwd: tree, debug: ctx.log.debug, signal: ctx.signal, user: ctx.user };
  const origin = await git([...submoduleGitConfig(undefined), 'config', '--get', 'remote.origin.url'], {
    ...base,
    repo: ''
  }).then(
    (r) => r.stdout.trim() || undefined,
    () => undefined
  );
  const config = submoduleGitConfig(origin);
  const options = {
    ...base,
    repo: origin && isLocalRepo(origin) ? origin : '',
    timeoutMs: SUBMODULE_TIMEOUT_MS
  };
  ctx.log.info(`Updating submodules on this machine: ${paths.join(' ')}`);
  try {
    await git([...config, 'submodule', 'sync', '--quiet', '--', ...paths], options);
    await git([...config, 'submodule', 'update', '--init', '--', ...paths], options);
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
    throw new ExecError(
      `The port's make submodules needs ${paths.join(', ')}, and updating them in ${tree} failed: ${error.message}`,
      error.command,
      error.args,
      error.code,
      error.stdout,
      error.stderr
    );
  }
}
