import type { RunResult } from '../../src/exec.js';
import { Docker } from '../../src/pipeline/docker.js';
import {
  LIST_ARGS,
  parseContainerList,
  removeStaleContainers,
  STALE_AFTER_MINUTES,
  staleReason,
  type LabelledContainer,
  type RunIdentity
} from '../../src/pipeline/stale-containers.js';
import { quietLog } from '../support/plan-ports.js';

const now = 1_700_000_000_000;
const self: RunIdentity = { run: 'run-2', pid: 200, host: 'runner-a', started: now };
const minutes = (m: number) => now - m * 60_000;
const alive = (pid: number) => pid === 200 || pid === 300;

describe('staleReason', () => {
  const of = (c: Partial<LabelledContainer>): LabelledContainer => ({
    id: 'c',
    run: 'run-1',
    host: 'runner-a',
    ...c
  });

  it('this process’s own containers and those of a live process here are kept', () => {
    expect(staleReason(of({ pid: 200, started: minutes(9999) }), self, now, alive)).toBeUndefined();
    expect(staleReason(of({ pid: 300, started: minutes(5) }), self, now, alive)).toBeUndefined();
  });

  it('a container whose process on this machine is gone is left behind', () => {
    expect(staleReason(of({ pid: 100, started: minutes(1) }), self, now, alive)).toBe(
      'its process 100 is gone'
    );
  });

  it('on another machine only age tells, and only past any job’s length', () => {
    const elsewhere = of({ host: 'runner-b', pid: 100 });
    expect(staleReason({ ...elsewhere, started: minutes(60) }, self, now, alive)).toBeUndefined();
    expect(staleReason({ ...elsewhere, started: minutes(STALE_AFTER_MINUTES + 1) }, self, now, alive)).toBe(
      `it started ${STALE_AFTER_MINUTES + 1} minutes ago`
    );
    // A live pid here may be another process now: age still tells.
    expect(
      staleReason(of({ pid: 300, started: minutes(STALE_AFTER_MINUTES + 5) }), self, now, alive)
    ).toMatch(/minutes ago/);
  });

  it('unreadable labels keep a container, unless it is old', () => {
    expect(staleReason(of({ host: '', pid: undefined }), self, now, alive)).toBeUndefined();
  });
});

describe('the sweep', () => {
  it('lists by label and removes only what is left behind', async () => {
    const ago = (m: number) => String(Date.now() - m * 60_000);
    const listing = [
      ['aaa', 'run-1', '100', 'runner-a', ago(3)].join('\t'),
      ['bbb', 'run-1', '300', 'runner-a', ago(3)].join('\t'),
      ['ccc', 'run-0', '', 'runner-b', ago(STALE_AFTER_MINUTES * 2)].join('\t'),
      ''
    ].join('\n');
    expect(parseContainerList(listing).map((c) => [c.id, c.pid])).toEqual([
      ['aaa', 100],
      ['bbb', 300],
      ['ccc', undefined]
    ]);
    const asked: string[][] = [];
    const removed: string[] = [];
    const docker = new (class extends Docker {
      async run(args: string[]): Promise<RunResult> {
        asked.push(args);
        return { code: 0, stdout: listing, stderr: '' };
      }
      async remove(name: string): Promise<void> {
        removed.push(name);
      }
    })();
    const lines: string[] = [];
    const log = { ...quietLog, info: (line: string) => lines.push(line) };
    await removeStaleContainers(docker, { ...self, started: Date.now() }, log, alive);
    expect(asked).toEqual([LIST_ARGS]);
    expect(LIST_ARGS).toEqual(expect.arrayContaining(['--filter', 'label=esp32-micropython-build']));
    expect(removed).toEqual(['aaa', 'ccc']);
    expect(lines[0]).toBe(
      'Removed container aaa of run run-1 on runner-a, left behind: its process 100 is gone'
    );
  });

  it('an engine that cannot list is no reason to fail a build', async () => {
    const docker = new (class extends Docker {
      async run(): Promise<RunResult> {
        return { code: 1, stdout: '', stderr: 'boom' };
      }
    })();
    await expect(removeStaleContainers(docker, self, quietLog)).resolves.toEqual([]);
  });
});
