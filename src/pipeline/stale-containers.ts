/**
 * Every container this tool starts is labelled with the run that started it.
 * A run killed outright (kill -9, a runner that lost its machine) cannot
 * remove its container, and a `docker run` client that dies leaves the
 * container running: the next run removes those.
 */
import { processAlive } from './partials.js';
import type { Log } from '../ports.js';
import type { Docker } from './docker.js';

/** The label every container of this tool carries; the others are `LABEL.<what>`. */
export const LABEL = 'esp32-micropython-build';

/**
 * How old a container of another machine (or of a process that may have been
 * reused) must be to count as left behind: longer than any job runs on GitHub.
 */
export const STALE_AFTER_MINUTES = 6 * 60;

/** Who starts a container: the run, its process, the machine, and when. */
export interface RunIdentity {
  run: string;
  pid: number;
  host: string;
  /** Milliseconds since the epoch. */
  started: number;
}

/** The labels of a container the run starts. Pure. */
export function containerLabels(run: RunIdentity): Record<string, string> {
  return labelsOf({ run: run.run, pid: String(run.pid), host: run.host, started: String(run.started) });
}

/** The same labels, as a plan shows them before the run. Pure. */
export function plannedLabels(): Record<string, string> {
  return labelsOf({ run: '<run>', pid: '<pid>', host: '<host>', started: '<start>' });
}

function labelsOf(values: Record<'run' | 'pid' | 'host' | 'started', string>): Record<string, string> {
  const labels: Record<string, string> = { [LABEL]: '1' };
  for (const [what, value] of Object.entries(values)) labels[`${LABEL}.${what}`] = value;
  return labels;
}

/** A labelled container, as `docker ps` lists it. */
export interface LabelledContainer {
  id: string;
  run: string;
  pid?: number;
  host: string;
  started?: number;
}

const FIELDS = ['run', 'pid', 'host', 'started'];

/** The `docker ps` that lists them, one tab-separated line each. */
export const LIST_ARGS = [
  'ps',
  '--all',
  '--no-trunc',
  '--filter',
  `label=${LABEL}`,
  '--format',
  ['{{.ID}}', ...FIELDS.map((f) => `{{.Label "${LABEL}.${f}"}}`)].join('\t')
];

/** `docker ps` output, read. Pure. */
export function parseContainerList(stdout: string): LabelledContainer[] {
  const number = (text: string | undefined) => (text && /^\d+$/.test(text) ? Number(text) : undefined);
  return stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [id, run = '', pid, host = '', started] = line.split('\t');
      return { id, run, pid: number(pid), host, started: number(started) };
    });
}

/**
 * Why a container is left behind, or undefined while its run may still be
 * going: its process on this machine is gone, or it is older than any run.
 * Pure.
 */
export function staleReason(
  container: LabelledContainer,
  self: RunIdentity,
  now: number,
  alive: (pid: number) => boolean
): string | undefined {
  const here = container.host === self.host;
  if (here && container.pid === self.pid) return undefined;
  if (here && container.pid !== undefined && !alive(container.pid)) {
    return `its process ${container.pid} is gone`;
  }
  if (container.started !== undefined && now - container.started > STALE_AFTER_MINUTES * 60_000) {
    return `it started ${Math.round((now - container.started) / 60_000)} minutes ago`;
  }
  return undefined;
}

/** Remove the containers earlier runs left behind. A failure here is only a debug line. */
export async function removeStaleContainers(
  docker: Docker,
  self: RunIdentity,
  log: Log,
  alive: (pid: number) => boolean = processAlive
): Promise<string[]> {
  const listed = await docker.run(LIST_ARGS, { allowFailure: true, debug: log.debug }).catch(() => undefined);
  if (!listed || listed.code !== 0) {
    log.debug(`Could not list this tool's containers: ${listed?.stderr.trim() ?? 'docker did not run'}`);
    return [];
  }
  const removed: string[] = [];
  for (const container of parseContainerList(listed.stdout)) {
    const why = staleReason(container, self, Date.now(), alive);
    if (!why) continue;
    await docker.remove(container.id);
    log.info(
      `Removed container ${container.id.slice(0, 12)} of run ${container.run || '?'} on ${container.host || '?'}, left behind: ${why}`
    );
    removed.push(container.id);
  }
  return removed;
}
