/**
 * Reads, from a MicroPython tree on disk, exactly the files the resolver
 * needs. All the side effects of resolution live here; `resolveTree` then
 * decides from the snapshot alone.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../exec.js';
import { HARDENING } from '../git.js';
import { BOARDS_DIR, LOCKFILE_PREFIX, TREE_FILES, type TreeSnapshot } from './resolve/index.js';

const VARIANT_FILE = /^mpconfigvariant_([A-Za-z0-9_]+)\.cmake$/;

/**
 * A file of the tree, as text; undefined when it is missing, or is not a
 * regular file inside the tree (a link out of it, which could make a runner
 * file part of the resolution; a FIFO, which would block the read forever).
 */
async function readText(file: string, root: string): Promise<string | undefined> {
  try {
    const [real, realRoot] = await Promise.all([realpath(file), realpath(root)]);
    if (!real.startsWith(realRoot + path.sep) || !(await stat(real)).isFile()) return undefined;
    return await readFile(real, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP') return undefined;
    throw error;
  }
}

async function listDir(dir: string): Promise<{ name: string; isDir: boolean; isFile: boolean }[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((entry) => ({ name: entry.name, isDir: entry.isDirectory(), isFile: entry.isFile() }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function gitDescribe(root: string): Promise<string | undefined> {
  // Only the tree's own repository: a tree copied inside another checkout must
  // not borrow that checkout's tags.
  if (!(await exists(path.join(root, '.git')))) return undefined;
  try {
    const result = await run('git', [...HARDENING, '-C', root, 'describe', '--tags'], {
      allowFailure: true,
      timeoutMs: 15000
    });
    const text = result.stdout.trim();
    return result.code === 0 && text ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The files of a MicroPython tree that decide how it builds: the version
 * header, the port Makefile and CMakeLists.txt, tools/ci.sh, the port README,
 * the ESP-IDF lockfiles, the CI workflow, py/mkrules.mk, and per board its
 * mpconfigboard.cmake and variant files. Missing files are left undefined.
 * Throws when root is not an existing directory.
 */
export async function readTreeSnapshot(root: string): Promise<TreeSnapshot> {
  let info;
  try {
    info = await stat(root);
  } catch {
    throw new Error(`MicroPython tree not found: ${root} does not exist.`);
  }
  if (!info.isDirectory()) throw new Error(`MicroPython tree ${root} is not a directory.`);

  const files: Record<string, string | undefined> = {};
  const read = async (relative: string): Promise<void> => {
    files[relative] = await readText(path.join(root, ...relative.split('/')), root);
  };

  await Promise.all(Object.values(TREE_FILES).map(read));

  const lockDir = LOCKFILE_PREFIX.slice(0, LOCKFILE_PREFIX.lastIndexOf('/'));
  const lockBase = LOCKFILE_PREFIX.slice(lockDir.length + 1);
  const lockfiles = (await listDir(path.join(root, ...lockDir.split('/'))))
    .filter((entry) => entry.isFile && entry.name.startsWith(lockBase))
    .map((entry) => `${lockDir}/${entry.name}`);
  await Promise.all(lockfiles.map(read));

  const boardsDir = path.join(root, ...BOARDS_DIR.split('/'));
  const boardsInfo = await stat(boardsDir).catch(() => undefined);
  const hasBoardsDir = boardsInfo?.isDirectory() ?? false;
  const boards: TreeSnapshot['boards'] = {};
  if (hasBoardsDir) {
    const entries = await listDir(boardsDir);
    // Shared board fragments (mpconfigboard_esp32s3_common.cmake) that boards include.
    await Promise.all(
      entries
        .filter((entry) => entry.isFile && entry.name.endsWith('.cmake'))
        .map((entry) => read(`${BOARDS_DIR}/${entry.name}`))
    );
    await Promise.all(
      entries
        .filter((entry) => entry.isDir)
        .map(async (entry) => {
          const dir = `${BOARDS_DIR}/${entry.name}`;
          const inside = await listDir(path.join(boardsDir, entry.name));
          const variants: string[] = [];
          for (const file of inside) {
            const m = file.isFile ? VARIANT_FILE.exec(file.name) : null;
            if (!m) continue;
            variants.push(m[1]);
            await read(`${dir}/${file.name}`);
          }
          const cmake = await readText(path.join(boardsDir, entry.name, 'mpconfigboard.cmake'), root);
          boards[entry.name] = { variants: variants.sort(), ...(cmake !== undefined ? { cmake } : {}) };
        })
    );
  }

  const snapshot: TreeSnapshot = { files, boards, hasBoardsDir };
  const describe = await gitDescribe(root);
  if (describe) snapshot.gitDescribe = describe;
  return snapshot;
}
