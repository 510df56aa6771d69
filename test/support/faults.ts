/**
 * What the fault suite breaks things with: a file server that fails on cue,
 * a process tree killed outright, and a second Docker engine of the test's
 * own (its own socket, data root and exec root) that can be stopped in the
 * middle of a build while the engine the other suites use goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { descendants } from '../../src/cli/host.js';
import { run } from '../../src/exec.js';

/**
 * One answer of the file server:
 * - cut: the headers and Content-Length of the whole file, half the body, then the connection dropped;
 * - 500 / 503: that status, no body;
 * - stall: the headers and a first piece of the body, then nothing until the server closes;
 * - truncated: a complete answer whose body is the first half of the file (the archive itself cut);
 * - ok: the file.
 */
export type Answer = 'cut' | '500' | '503' | 'stall' | 'truncated' | 'ok';

export interface FaultyServer {
  url: string;
  /** How many GET requests it had. */
  requests(): number;
  /** The answers to give next, in order; after them every answer is 'ok'. */
  plan(answers: Answer[]): void;
  close(): Promise<void>;
}

/** Serves one file at /<name> with the answers planned, on loopback. */
export async function faultyServer(file: string, name = path.basename(file)): Promise<FaultyServer> {
  const bytes = readFileSync(file);
  let queue: Answer[] = [];
  let count = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== `/${name}`) return void res.writeHead(404).end();
    count++;
    const answer = queue.shift() ?? 'ok';
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    switch (answer) {
      case '500':
      case '503':
        return void res.writeHead(Number(answer), { 'content-length': 0 }).end();
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': half.length });
        return void res.end(half);
      case 'cut':
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
        res.write(answer === 'cut' ? half : bytes.subarray(0, 4096));
        if (answer === 'cut') setTimeout(() => res.destroy(), 50);
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
        res.end(bytes);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    requests: () => count,
    plan: (answers) => {
      queue = [...answers];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

/** Waits for probe to give something other than undefined or false (polling), or fails naming what it waited for. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 120_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** kill -9 of a process and everything it started, as when a runner dies. */
export function killTree(pid: number): void {
  const orphans = descendants(pid);
  for (const victim of [pid, ...orphans]) {
    try {
      process.kill(victim, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** A Docker engine of the test's own. */
export interface SecondEngine {
  /** unix:///…/docker.sock, for DOCKER_HOST. */
  host: string;
  start(): Promise<void>;
  /** Stops the engine as `systemctl stop docker` does (SIGTERM), and waits for it to be gone. */
  stop(): Promise<void>;
  /** Stops it and removes what it mounted; its directory is the caller's to remove. */
  remove(): Promise<void>;
  /** `docker` against this engine. */
  docker(args: string[]): ReturnType<typeof run>;
}

/**
 * A second dockerd under dir, on a bridge interface of its own and without
 * iptables rules (so it cannot disturb the first engine's networks): its
 * containers use --network host or none, as the suites here do. Not
 * `--bridge none`: a dockerd started so deletes the host's docker0, which
 * the first engine's containers need.
 */
export function secondEngine(dir: string, bridge = 'esp32fault0'): SecondEngine {
  const socket = path.join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  let daemon: ChildProcess | undefined;
  const docker: SecondEngine['docker'] = (args) =>
    run('docker', ['--host', host, ...args], { allowFailure: true, timeoutMs: 10 * 60_000 });
  return {
    host,
    docker,
    async start() {
      for (const sub of ['data', 'exec']) mkdirSync(path.join(dir, sub), { recursive: true });
      if ((await run('ip', ['link', 'show', bridge], { allowFailure: true })).code !== 0) {
        await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
      }
      daemon = spawn(
        'dockerd',
        [
          '--host',
          host,
          '--data-root',
          path.join(dir, 'data'),
          '--exec-root',
          path.join(dir, 'exec'),
          '--pidfile',
          path.join(dir, 'docker.pid'),
          '--bridge',
          bridge,
          '--iptables=false',
          '--ip6tables=false',
          '--group',
          'docker'
        ],
        { stdio: 'ignore', detached: true }
      );
      await until('the second Docker engine to answer', () => existsSync(socket), 60_000);
      for (const end = Date.now() + 60_000; ;) {
        if ((await docker(['version'])).code === 0) return;
        if (Date.now() > end) throw new Error('The second Docker engine never answered');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    stop,
    async remove() {
      await stop();
      // The network namespace it keeps bind-mounted, and anything left mounted under its roots.
      const mounts = (
        await run('findmnt', ['--list', '--noheadings', '--output', 'TARGET'], { allowFailure: true })
      ).stdout
        .split('\n')
        .filter((target) => target.startsWith(`${dir}/`))
        .sort()
        .reverse();
      for (const target of mounts) await run('umount', ['--lazy', target], { allowFailure: true });
      await run('ip', ['link', 'delete', bridge], { allowFailure: true });
    }
  };
  async function stop(): Promise<void> {
    if (!daemon || daemon.exitCode !== null) return;
    const gone = new Promise((resolve) => daemon!.once('exit', resolve));
    daemon.kill('SIGTERM');
    await gone;
  }
}
