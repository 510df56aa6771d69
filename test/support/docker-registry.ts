/**
 * A real image registry on loopback: Debian's docker-registry package
 * (/usr/bin/docker-registry, the CNCF distribution registry), run with a
 * config of our own (storage under a temp dir, HTTP on 127.0.0.1:<free port>),
 * never its system service. Docker allows plain HTTP to registries on
 * 127.0.0.0/8, so the engine pushes to and pulls from it as from ghcr.io.
 *
 * Nothing here skips: without the package, the tests that need it fail,
 * loudly, saying how to install it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { run } from '../../src/exec.js';

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export interface LoopbackRegistry {
  /** 127.0.0.1:PORT, the registry's part of an image reference. */
  host: string;
  /** Stops it (its storage stays: start() serves the same images again). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function answers(host: string): Promise<boolean> {
  try {
    return (await fetch(`http://${host}/v2/`)).status === 200;
  } catch {
    return false;
  }
}

/** Starts docker-registry serving `dir`'s storage on a free loopback port. */
export async function startLoopbackRegistry(dir: string): Promise<LoopbackRegistry> {
  if (!existsSync(DOCKER_REGISTRY)) {
    throw new Error(
      `${DOCKER_REGISTRY} is missing: apt-get install docker-registry (Debian's package of the registry; .ci/run installs it).`
    );
  }
  const host = `127.0.0.1:${await freePort()}`;
  mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      ''
    ].join('\n')
  );
  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    child = spawn(DOCKER_REGISTRY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (d: Buffer) => (log = (log + d.toString()).slice(-4000));
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    for (let i = 0; i < 100; i++) {
      if (await answers(host)) return;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`docker-registry did not answer on ${host}:\n${log}`);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return { host, start, stop };
}

/** Pushes `ref`; returns the digest the registry gave it (what `docker push` prints: digest: sha256:…). */
export async function push(ref: string): Promise<string> {
  const pushed = await run('docker', ['push', ref], { timeoutMs: 10 * 60_000 });
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
  if (!digest) throw new Error(`docker push ${ref} printed no digest:\n${pushed.stdout}`);
  return digest;
}
