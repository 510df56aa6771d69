import { randomBytes } from 'node:crypto';
import { ExecError, run, type RunOptions, type RunResult } from '../exec.js';
import type { HostPaths } from './host-paths.js';

export interface Mount {
  host: string;
  container: string;
  readonly?: boolean;
}

/** Everything one `docker run` needs; turned into argv by {@link dockerRunArgs}. */
export interface ContainerSpec {
  image: string;
  name: string;
  /** uid:gid to run as; the files the build writes belong to the caller. */
  user?: { uid: number; gid: number };
  workdir?: string;
  mounts: Mount[];
  env: Record<string, string>;
  network?: string;
  /** Character devices to pass through (real serial adapters), as host[:container]. */
  devices?: string[];
  /** Extra groups (the serial device's owning GID). */
  groupAdd?: number[];
  /** Host names that resolve to loopback inside the container (hosts it must not reach). */
  loopbackHosts?: string[];
  /** Labels that say which run started the container (see stale-containers.ts). */
  labels?: Record<string, string>;
  /** Set when the host's paths are Windows paths: the mounts' sources hold a drive's ':'. */
  hostPaths?: HostPaths;
  command: string[];
}

/** More processes than any build needs (make -j and ninja on many cores stay in the hundreds), and a bound on a fork bomb. */
export const PIDS_LIMIT = 4096;

/**
 * Every container runs the tree's own code: no capability (not even as
 * root), nothing gained through setuid binaries, a bound on its processes.
 */
export const HARDENING = [
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
  '--pids-limit',
  String(PIDS_LIMIT)
] as const;

export class DockerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DockerError';
  }
}

/** A unique, recognisable container name, so an interrupted run can remove it. */
export function containerName(purpose: string): string {
  return `esp32-build-${purpose}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** A bind mount's paths go into `-v a:b`; a ':' or ',' in them would be misread. */
function checkMountPath(p: string): void {
  if (/[:,\n]/.test(p)) {
    throw new DockerError(
      `Cannot mount '${p}' into the container: the path contains ':' or ','. Move it to a plain path.`
    );
  }
}

/**
 * A mount as argv. A Windows source (C:\Users\…) goes as --mount, whose
 * comma-separated fields take its drive's ':'; it may still not hold ','
 * or '"', which those fields would misread. Pure.
 */
function mountArgs(mount: Mount, hostPaths: HostPaths | undefined): string[] {
  if (hostPaths === 'windows') {
    if (/[,"\n]/.test(mount.host) || !/^[A-Za-z]:\\[^:]*$/.test(mount.host)) {
      throw new DockerError(
        `Cannot mount '${mount.host}' into the container: only a path on a drive (C:\\…) without ',' or '"' can be. Move it to a plain path.`
      );
    }
    checkMountPath(mount.container);
    const fields = ['type=bind', `source=${mount.host}`, `target=${mount.container}`];
    return ['--mount', [...fields, ...(mount.readonly ? ['readonly'] : [])].join(',')];
  }
  checkMountPath(mount.host);
  checkMountPath(mount.container);
  return ['-v', `${mount.host}:${mount.container}${mount.readonly ? ':ro' : ''}`];
}

/** The argv (after `docker`) of a build container. Pure. */
export function dockerRunArgs(spec: ContainerSpec): string[] {
  const args = ['run', '--rm', '--init', '--name', spec.name, ...HARDENING];
  for (const [name, value] of Object.entries(spec.labels ?? {})) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name) || /[\n\r]/.test(value))
      throw new DockerError(`Not a container label: ${name}=${value}`);
    args.push('--label', `${name}=${value}`);
  }
  if (spec.user) args.push('--user', `${spec.user.uid}:${spec.user.gid}`);
  if (spec.network) args.push('--network', spec.network);
  for (const gid of spec.groupAdd ?? []) {
    // Group root would open every root-group file the mounts hold.
    if (gid === 0) throw new DockerError('The container is never given group root (GID 0).');
    args.push('--group-add', String(gid));
  }
  for (const host of spec.loopbackHosts ?? []) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host))
      throw new DockerError(`Not a host name: ${host}`);
    args.push('--add-host', `${host}:127.0.0.1`);
  }
  for (const device of spec.devices ?? []) {
    for (const part of device.split(':')) checkMountPath(part);
    args.push('--device', device);
  }
  for (const mount of spec.mounts) args.push(...mountArgs(mount, spec.hostPaths));
  for (const [name, value] of Object.entries(spec.env)) args.push('-e', `${name}=${value}`);
  if (spec.workdir) args.push('--workdir', spec.workdir);
  args.push(spec.image, ...spec.command);
  return args;
}

export type DockerFailure = 'permission' | 'unreachable' | 'other';

/** What went wrong between the docker client and the engine, from what the client said. Pure. */
export function classifyDockerFailure(stderr: string): DockerFailure {
  if (/permission denied (while trying to connect|.*docker)/i.test(stderr)) return 'permission';
  if (
    /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|dial unix \S*docker\.sock: connect: (no such file or directory|connection refused)/i.test(
      stderr
    )
  ) {
    return 'unreachable';
  }
  return 'other';
}

/** Turn what the docker client said into what to do about it. */
export function explainDockerFailure(stderr: string): string | undefined {
  switch (classifyDockerFailure(stderr)) {
    case 'permission':
      return 'This user may not use the Docker engine (permission denied on its socket). Add the user to the docker group (sudo usermod -aG docker $USER, then log in again) or use rootless Docker. Note that the docker group is equivalent to root on this host.';
    case 'unreachable':
      return 'No Docker engine is reachable. Start it (sudo systemctl start docker, or open Docker Desktop) and check that `docker info` works.';
    default:
      return undefined;
  }
}

/** The docker client, through the one exec wrapper, with failures explained. */
export class Docker {
  constructor(
    private readonly defaults: Pick<RunOptions, 'debug'> = {},
    readonly command = process.env.ESP32_BUILD_DOCKER ?? 'docker'
  ) {}

  async run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    try {
      return await run(this.command, args, { ...this.defaults, ...options });
    } catch (error) {
      if (error instanceof ExecError) {
        if (error.code === null && /not found/.test(error.message)) {
          throw new DockerError(
            'The docker client is not installed or not on PATH. Install Docker (https://docs.docker.com/engine/install/) and try again.'
          );
        }
        const why = explainDockerFailure(error.stderr);
        if (why) throw new DockerError(why);
      }
      throw error;
    }
  }

  /** Whether an image is present locally. */
  async hasImage(ref: string): Promise<boolean> {
    const result = await this.run(['image', 'inspect', '--format', '{{.Id}}', ref], { allowFailure: true });
    if (result.code !== 0) {
      const why = explainDockerFailure(result.stderr);
      if (why) throw new DockerError(why);
    }
    return result.code === 0;
  }

  /** Check the engine answers and this user may use it. */
  async check(): Promise<string> {
    const result = await this.run(['version', '--format', '{{.Server.Version}}'], { allowFailure: true });
    if (result.code !== 0) {
      throw new DockerError(
        explainDockerFailure(result.stderr) ?? `docker version failed: ${result.stderr.trim()}`
      );
    }
    return result.stdout.trim();
  }

  /** Remove a container by name; used when a run is interrupted. */
  async remove(name: string): Promise<void> {
    await run(this.command, ['rm', '--force', name], { allowFailure: true });
  }
}
