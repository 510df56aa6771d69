import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  evictedName,
  hostName,
  isOwnHost,
  leftoverOwner,
  partialName,
  removeAside,
  sweepLeftovers
} from '../../src/pipeline/partials.js';

/** A pid that no process has (any more). */
function deadPid(): number {
  return spawnSync('true').pid!;
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'entry-store-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('partial and evicted names', () => {
  it('carry the host and the pid of their run', () => {
    const host = hostName();
    expect(host).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(partialName('/s/idf/v5.2.2-ab', 42, 'box-1')).toBe('/s/idf/v5.2.2-ab.partial-box-1-42');
    expect(leftoverOwner('v5.2.2-ab.partial-box-1-42')).toEqual({ host: 'box-1', pid: 42 });
    expect(leftoverOwner(path.basename(evictedName('/s/v5.2.2-ab', 7, 'h.lan')))).toEqual({
      host: 'h.lan',
      pid: 7
    });
    // Names from before hosts were recorded are this host's.
    expect(leftoverOwner('v5.2.2-ab.partial-4242')).toEqual({ pid: 4242 });
    expect(isOwnHost({ pid: 1 })).toBe(true);
    expect(isOwnHost({ pid: 1, host })).toBe(true);
    expect(isOwnHost({ pid: 1, host: `not-${host}` })).toBe(false);
    for (const name of ['v5.2.2-ab', 'v5.2.2-ab.transfer', 'v5.2.2-ab.lock', 'partial-12']) {
      expect(leftoverOwner(name)).toBeUndefined();
    }
  });

  it('evicted names never repeat within a run', () => {
    expect(evictedName('/x')).not.toBe(evictedName('/x'));
  });

  it('the sweep removes only what a gone run of this host left', () => {
    const host = hostName();
    const dead = deadPid();
    const names = [
      `a.partial-${host}-${dead}`,
      `a.evicted3-${host}-${dead}`,
      `a.partial-${dead}`,
      `a.partial-${host}-${process.pid}`,
      `a.partial-elsewhere.example-${dead}`,
      'a',
      'a.transfer'
    ];
    for (const name of names) mkdirSync(path.join(root, name));
    const removed = sweepLeftovers([root, path.join(root, 'missing')], (pid) => pid === dead);
    expect(removed.map((p) => path.basename(p)).sort()).toEqual(names.slice(0, 3).sort());
    expect(readdirSync(root).sort()).toEqual(names.slice(3).sort());
  });

  it('removeAside renames first, so nothing is ever half there', async () => {
    mkdirSync(path.join(root, 'entry', 'sub'), { recursive: true });
    await removeAside(path.join(root, 'entry'));
    await removeAside(path.join(root, 'entry'));
    expect(readdirSync(root)).toEqual([]);
  });
});
