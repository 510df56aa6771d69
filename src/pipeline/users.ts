/**
 * Who the containers run as. Files a build writes belong to the owner of the
 * MicroPython tree, and no container runs as root when someone else owns the
 * tree: under sudo, or on a runner whose agent is root, the build runs as the
 * tree's owner. When both are root, it runs as root with every capability
 * dropped (docker.ts), and the log says so.
 */
import { lchown, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { User } from './build.js';

export interface ContainerUsers {
  /** ESP-IDF's install.sh: it writes the ESP-IDF entry this process made. Unset: the image's own user. */
  install?: User;
  /** The containers that run the tree's code (make submodules, the build, make): they write the tree. */
  build?: User;
  /** What the log says, when that is not simply this process's user. */
  note?: string;
}

/**
 * This process's user, as the containers should run: its uid and gid on
 * Linux and macOS (Docker Desktop's file sharing gives what a container
 * writes to the macOS user, whatever uid wrote it). Windows has no uid:
 * the containers run as the image's own user (root, with every capability
 * dropped), the one that may write wherever Docker Desktop shares a drive,
 * and what they write belongs to the Windows user. Pure.
 */
export function callerUser(platform: NodeJS.Platform, ids: { uid?: number; gid?: number }): User | undefined {
  if (platform === 'win32') return undefined;
  return { uid: ids.uid ?? 1000, gid: ids.gid ?? 1000 };
}

/** This process's user ({@link callerUser}) on this machine. */
export function thisUser(platform: NodeJS.Platform = process.platform): User | undefined {
  return callerUser(platform, { uid: process.getuid?.(), gid: process.getgid?.() });
}

/** The users of the containers, from this process's and the tree owner's. Pure. */
export function containerUsers(caller: User | undefined, treeOwner?: User): ContainerUsers {
  if (!caller) return {};
  if (caller.uid !== 0) return { install: caller, build: caller };
  if (treeOwner && treeOwner.uid !== 0) {
    return {
      install: caller,
      build: treeOwner,
      note: `Running as root: the build runs as ${treeOwner.uid}:${treeOwner.gid}, the owner of the MicroPython tree, not as root (ESP-IDF's install.sh runs as root with every capability dropped).`
    };
  }
  return {
    install: caller,
    build: caller,
    note: 'The containers run as root, since this process and the owner of the MicroPython tree are both root: with every capability dropped (--cap-drop ALL) and no-new-privileges, so root in them cannot override file permissions or gain any.'
  };
}

/** The owner of the tree; undefined while it is not there (a release about to be cloned). */
export async function treeOwner(tree: string): Promise<User | undefined> {
  const info = await lstat(tree).catch(() => undefined);
  return info ? { uid: info.uid, gid: info.gid } : undefined;
}

/**
 * Give `dirs` (and everything in them) to `user`: the caches a build writes,
 * made by this process as root, when the build runs as the tree's owner.
 * Links are changed themselves, never followed.
 */
export async function handOver(dirs: readonly string[], user: User): Promise<void> {
  const pending = [...dirs];
  for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
    const info = await lstat(at).catch(() => undefined);
    if (!info) continue;
    if (info.uid !== user.uid || info.gid !== user.gid) await lchown(at, user.uid, user.gid);
    if (info.isDirectory()) for (const name of await readdir(at)) pending.push(path.join(at, name));
  }
}
