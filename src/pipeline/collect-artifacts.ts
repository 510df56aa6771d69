/**
 * After the build container exits: its artifacts, read without following a
 * link. Every path from the tree down to an artifact is looked at with lstat
 * (a link, FIFO or device is refused before it is opened); the artifact is
 * then opened with O_NOFOLLOW and must be the very file lstat saw (same
 * device and inode), so a link swapped in between cannot be read. Copies are
 * made from that descriptor.
 */
import { constants, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readlink, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import {
  ArtifactError,
  entryKind,
  linkTarget,
  pathSteps,
  type ArtifactProblem,
  type Artifacts,
  type ArtifactsPlan
} from './artifacts.js';

type Found =
  | { kind: 'missing' }
  | { kind: 'problem'; problem: ArtifactProblem }
  | { kind: 'file'; path: string; stats: Stats };

async function whatItIs(file: string, stats: Stats): Promise<string> {
  return stats.isSymbolicLink() ? linkTarget(await readlink(file)) : entryKind(stats.mode);
}

/** Looks at each path from the tree down to the artifact, without following any. */
export async function inspectArtifact(steps: string[]): Promise<Found> {
  for (const [i, step] of steps.entries()) {
    let stats: Stats;
    try {
      stats = await lstat(step);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
      throw error;
    }
    const last = i === steps.length - 1;
    if (last ? stats.isFile() : stats.isDirectory()) {
      if (last) return { kind: 'file', path: step, stats };
      continue;
    }
    const what = await whatItIs(step, stats);
    return { kind: 'problem', problem: { path: step, what: last ? what : `${what}, not a directory` } };
  }
  return { kind: 'missing' };
}

/**
 * Opens a file without following a link, without blocking on a FIFO and
 * without taking a terminal; it must be a regular file, and the one `seen`
 * describes when given. Throws an ArtifactError naming it otherwise.
 */
export async function openArtifact(file: string, buildDir: string, seen?: Stats): Promise<FileHandle> {
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
  let handle: FileHandle;
  try {
    handle = await open(file, flags);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
    throw new ArtifactError(buildDir, [{ path: file, what: 'a symbolic link' }]);
  }
  const stats = await handle.stat();
  const same = !seen || (stats.dev === seen.dev && stats.ino === seen.ino);
  if (stats.isFile() && same) return handle;
  await handle.close();
  const what = stats.isFile() ? 'a file that changed while it was read' : entryKind(stats.mode);
  throw new ArtifactError(buildDir, [{ path: file, what }]);
}

/** Copies what `from` holds into a new file, never through a link. */
async function copyFrom(from: FileHandle, target: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const to = await open(target, flags, 0o644);
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let position = 0; ;) {
      const { bytesRead } = await from.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      for (let written = 0; written < bytesRead;) {
        written += (await to.write(buffer, written, bytesRead - written)).bytesWritten;
      }
      position += bytesRead;
    }
  } finally {
    await to.close();
  }
}

/** Finds the artifacts, refusing anything but regular files, and copies them when the plan says so. */
export async function collectArtifacts(plan: ArtifactsPlan): Promise<Artifacts> {
  const found: { relative: string; path: string; stats: Stats }[] = [];
  const problems: ArtifactProblem[] = [];
  for (const relative of plan.files) {
    const entry = await inspectArtifact(pathSteps(plan, relative));
    if (entry.kind === 'file') found.push({ relative, path: entry.path, stats: entry.stats });
    if (entry.kind === 'problem' && !problems.some((p) => p.path === entry.problem.path)) {
      problems.push(entry.problem);
    }
  }
  if (problems.length) throw new ArtifactError(plan.buildDir, problems);

  const dest = plan.copyTo ? await freshDirectory(plan.copyTo) : undefined;
  const files: string[] = [];
  let firmwareSize: number | undefined;
  try {
    for (const artifact of found) {
      const handle = await openArtifact(artifact.path, plan.buildDir, artifact.stats);
      try {
        const target = dest ? path.join(dest, artifact.relative) : artifact.path;
        if (dest) {
          await mkdir(path.dirname(target), { recursive: true });
          await copyFrom(handle, target);
        }
        files.push(target);
        if (artifact.relative === 'firmware.bin') firmwareSize = (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    if (dest) await rm(dest, { recursive: true, force: true });
    throw error;
  }
  const firmware = files.find((f) => path.basename(f) === 'firmware.bin');
  const artifacts: Artifacts = { buildDir: plan.buildDir, firmware, firmwareSize, files };
  if (dest) artifacts.copiedTo = dest;
  return artifacts;
}

/** A directory of this run's own, readable by the steps that follow. */
async function freshDirectory(parent: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, 'artifacts-'));
  await chmod(dir, 0o755);
  return dir;
}
