/**
 * Git's smart HTTP on loopback, behind Basic authentication: `git
 * http-backend` (git's own CGI program) serves the repositories under a
 * directory, and a request without the right user and password gets 401, as
 * a private repository on a forge would. Also a server that accepts
 * connections and never answers, for the timeouts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface GitHttpServer {
  /** http://127.0.0.1:PORT (repositories are at /<path under the root>). */
  url: string;
  /** Each request: its path and whether it carried the right credentials. */
  requests: { path: string; authorized: boolean; authorization?: string }[];
  close(): Promise<void>;
}

/** The CGI response (headers, a blank line, the body) passed on to the HTTP response. */
function relayCgi(stdout: NodeJS.ReadableStream, res: ServerResponse): void {
  let head = Buffer.alloc(0);
  let done = false;
  stdout.on('data', (chunk: Buffer) => {
    if (done) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    done = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (/^status$/i.test(name)) status = Number(value.split(' ')[0]);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  stdout.on('end', () => res.end());
}

function backend(root: string, home: string, req: IncomingMessage, res: ServerResponse, user: string) {
  const url = new URL(req.url ?? '/', 'http://fixture');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? '')
    },
    stdio: ['pipe', 'pipe', 'inherit']
  });
  req.pipe(child.stdin);
  relayCgi(child.stdout, res);
  child.on('error', () => res.writeHead(500).end());
}

/** Smart HTTP for the repositories under `root`, for `user`:`password` only. */
export async function startGitHttp(root: string, user: string, password: string): Promise<GitHttpServer> {
  // The repositories may belong to another user (the runner's): the backend must still serve them.
  const home = mkdtempSync(path.join(os.tmpdir(), 'git-http-home-'));
  writeFileSync(path.join(home, '.gitconfig'), '[safe]\n\tdirectory = *\n');
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const requests: GitHttpServer['requests'] = [];
  const server = createServer((req, res) => {
    const authorization = req.headers.authorization;
    const authorized = authorization === expected;
    requests.push({ path: req.url ?? '/', authorized, authorization });
    if (!authorized) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="fixture"', 'content-type': 'text/plain' });
      res.end('401 Unauthorized\n');
      return;
    }
    backend(root, home, req, res, user);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(home, { recursive: true, force: true });
          resolve();
        });
      })
  };
}

/** A server that accepts connections and never says a word: a stalled upstream. */
export async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })
  };
}
