/**
 * A loopback double of ESP-IDF's component registry, as the component
 * manager reads it: a storage that answers `components/<ns>/<name>.json`
 * (every version with its component_hash and download URL) and serves each
 * version's archive. Every request is logged; the registry can be switched to
 * answer 500s (`error`) or to drop every connection (`down`).
 *
 * The fixture tools/idf.py models the manager against it. The components are
 * tiny but real in shape: an idf_component.yml, a CMakeLists.txt and a C file
 * that the fixture build compiles, so a firmware shows the component was used.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { run } from '../../src/exec.js';

export type RegistryMode = 'ok' | 'error' | 'down';

export interface RegistryDouble {
  /** http://127.0.0.1:PORT/ : both the registry and its storage. */
  url: string;
  /** Each request's path, in order. */
  requests: string[];
  setMode(mode: RegistryMode): void;
  close(): Promise<void>;
}

interface Release {
  name: string;
  version: string;
  files: Map<string, string>;
}

function mdns(version: string): Release {
  const number = version.replace(/\./g, '');
  return {
    name: 'espressif/mdns',
    version,
    files: new Map([
      [
        'idf_component.yml',
        `version: "${version}"\ndescription: mDNS (fixture)\ndependencies:\n  idf: ">=5.0"\n`
      ],
      ['CMakeLists.txt', 'idf_component_register(SRCS "mdns.c" INCLUDE_DIRS "include")\n'],
      ['include/mdns.h', '#pragma once\nint mdns_fixture_version(void);\n'],
      ['mdns.c', `#include "mdns.h"\nint mdns_fixture_version(void) { return ${number}; }\n`]
    ])
  };
}

/** What the registry holds: two versions of mdns, so that a manifest's spec has to choose. */
export const RELEASES: readonly Release[] = [mdns('1.0.9'), mdns('1.1.0'), mdns('1.2.0')];

/**
 * The component manager's hash of a component's files: sha256 over the files
 * sorted by relative path, each as its path then the hex sha256 of its bytes.
 */
export function componentHash(files: Map<string, string | Buffer>): string {
  const sha = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    sha.update(name);
    sha.update(createHash('sha256').update(files.get(name)!).digest('hex'));
  }
  return sha.digest('hex');
}

/** The component_hash of a fixture release, e.g. for a committed lock file. */
export function releaseHash(name: string, version: string): string {
  const release = RELEASES.find((r) => r.name === name && r.version === version);
  if (!release) throw new Error(`no fixture release ${name}@${version}`);
  return componentHash(release.files);
}

const archiveName = (r: Release) => `${r.name.replace('/', '__')}_${r.version}.tgz`;

async function packReleases(dir: string): Promise<void> {
  for (const release of RELEASES) {
    const stage = path.join(dir, 'stage', archiveName(release));
    for (const [name, text] of release.files) {
      await fs.mkdir(path.dirname(path.join(stage, name)), { recursive: true });
      await fs.writeFile(path.join(stage, name), text);
    }
    await run('tar', ['-czf', path.join(dir, archiveName(release)), '-C', stage, '.']);
  }
  await fs.rm(path.join(dir, 'stage'), { recursive: true, force: true });
}

function metadata(name: string, base: string): string | undefined {
  const releases = RELEASES.filter((r) => r.name === name);
  if (releases.length === 0) return undefined;
  const [namespace, short] = name.split('/');
  return JSON.stringify({
    name: short,
    namespace,
    versions: releases.map((r) => ({
      version: r.version,
      component_hash: componentHash(r.files),
      url: `${base}files/${archiveName(r)}`,
      dependencies: [{ name: 'idf', spec: '>=5.0', source: 'idf' }],
      targets: []
    }))
  });
}

/** Starts the registry on 127.0.0.1 with its archives packed under `dir`. */
export async function startRegistry(dir: string): Promise<RegistryDouble> {
  await fs.mkdir(dir, { recursive: true });
  await packReleases(dir);
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let mode: RegistryMode = 'ok';
  let url = '';
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(pathname);
    if (mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (mode === 'error') {
      res.writeHead(500).end('registry double: internal error\n');
      return;
    }
    const meta = /^\/components\/([\w.-]+)\/([\w.-]+)\.json$/.exec(pathname);
    const body = meta ? metadata(`${meta[1]}/${meta[2]}`, url) : undefined;
    if (body) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const archive = /^\/files\/([\w.-]+\.tgz)$/.exec(pathname);
    if (archive) {
      fs.readFile(path.join(dir, archive[1])).then(
        (data) => res.writeHead(200, { 'content-type': 'application/gzip' }).end(data),
        () => res.writeHead(404).end()
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"NotFound"}');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    setMode: (m) => {
      mode = m;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })
  };
}
