/** Downloads against a real HTTP server on loopback: retries, partials, cancellation. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_RETRY,
  download,
  DownloadError,
  isTransientStatus,
  retryAfterMs,
  retryDelay
} from '../../src/pipeline/download.js';
import { leftoverOwner } from '../../src/pipeline/partials.js';

const BODY = Buffer.from('xtensa '.repeat(20_000));
const SHA = createHash('sha256').update(BODY).digest('hex');
const FAST = { attempts: 4, baseDelayMs: 5 };

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A server that answers the nth request (from 1) with `handler`. */
async function serve(
  handler: Handler
): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => handler(req, res, ++n));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dl/toolchain.tar.gz`,
    requests: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

const whole = (res: ServerResponse) => {
  res.writeHead(200, { 'content-length': BODY.length });
  res.end(BODY);
};

let dir: string;
let server: Awaited<ReturnType<typeof serve>> | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'download-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('download', () => {
  it('500 then 200: one retry, told why and how long, and the right hash', async () => {
    server = await serve((_req, res, n) => (n === 1 ? res.writeHead(500).end('boom') : whole(res)));
    const retries: [number, string, number][] = [];
    const file = path.join(dir, 'a.tar.gz');
    const got = await download(server.url, file, {
      retry: FAST,
      onRetry: (attempt, reason, delayMs) => retries.push([attempt, reason, delayMs])
    });
    expect(got).toEqual({ file, sha256: SHA, size: BODY.length });
    expect(readFileSync(file)).toEqual(BODY);
    expect(server.requests()).toBe(2);
    expect(retries).toHaveLength(1);
    expect(retries[0][0]).toBe(1);
    expect(retries[0][1]).toMatch(/HTTP 500/);
    expect(retries[0][2]).toBeGreaterThanOrEqual(5);
  });

  it('503 forever: gives up after the attempts allowed, and says how many and why', async () => {
    server = await serve((_req, res) => res.writeHead(503).end());
    const error = await download(server.url, path.join(dir, 'b'), { retry: { ...FAST, attempts: 3 } }).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as Error).message).toMatch(
      new RegExp(`Downloading ${server.url} failed after 3 attempts: HTTP 503 Service Unavailable`)
    );
    expect(server.requests()).toBe(3);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a body cut midway is fetched again, and no partial is left', async () => {
    server = await serve((_req, res, n) => {
      if (n > 1) return whole(res);
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, BODY.length / 3), () => res.socket?.destroy());
    });
    const reasons: string[] = [];
    const file = path.join(dir, 'c.tar.gz');
    const got = await download(server.url, file, {
      retry: FAST,
      onRetry: (_n, reason) => reasons.push(reason)
    });
    expect(got.sha256).toBe(SHA);
    expect(server.requests()).toBe(2);
    expect(reasons[0]).toMatch(/broke off|ended early/);
    expect(readdirSync(dir)).toEqual(['c.tar.gz']);
  });

  it('a 404 fails at once', async () => {
    server = await serve((_req, res) => res.writeHead(404).end('no'));
    await expect(download(server.url, path.join(dir, 'd'), { retry: FAST })).rejects.toThrow(
      /failed after 1 attempt: HTTP 404 Not Found/
    );
    expect(server.requests()).toBe(1);
  });

  it('a refused connection is tried again, then names the cause', async () => {
    server = await serve((_req, res) => whole(res));
    const url = server.url;
    await server.close();
    server = undefined;
    await expect(download(url, path.join(dir, 'e'), { retry: { ...FAST, attempts: 2 } })).rejects.toThrow(
      /failed after 2 attempts: could not connect: ECONNREFUSED/
    );
  });

  it('a cancellation during the wait stops at once', async () => {
    server = await serve((_req, res) => res.writeHead(503).end());
    const cancel = new AbortController();
    const start = performance.now();
    const result = download(server.url, path.join(dir, 'f'), {
      signal: cancel.signal,
      retry: { attempts: 4, baseDelayMs: 30_000 },
      onRetry: () => setTimeout(() => cancel.abort(), 20)
    });
    await expect(result).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - start).toBeLessThan(2000);
    expect(server.requests()).toBe(1);
  });

  it('a cancellation midway through the body leaves no partial', async () => {
    const cancel = new AbortController();
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1000), () => cancel.abort());
    });
    await expect(
      download(server.url, path.join(dir, 'g'), { signal: cancel.signal, retry: FAST })
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stages the bytes under a name the leftover sweep knows (host and pid)', async () => {
    let seen: string[] = [];
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1000), () => {
        setTimeout(() => {
          seen = readdirSync(dir);
          res.end(BODY.subarray(1000));
        }, 50);
      });
    });
    await download(server.url, path.join(dir, 'h.tar.gz'), { retry: FAST });
    expect(seen).toHaveLength(1);
    expect(leftoverOwner(seen[0])).toEqual({ host: expect.any(String), pid: process.pid });
  });
});

describe('the retry decisions', () => {
  it('retries server errors, timeouts and too many requests only', () => {
    expect([500, 502, 503, 504, 408, 429].every(isTransientStatus)).toBe(true);
    expect([400, 401, 403, 404, 410].some(isTransientStatus)).toBe(false);
  });

  it('doubles the wait with up to a quarter more, honours Retry-After, and caps both', () => {
    expect([1, 2, 3].map((n) => retryDelay(n, DEFAULT_RETRY, undefined, 0))).toEqual([1000, 2000, 4000]);
    expect(retryDelay(1, DEFAULT_RETRY, undefined, 1)).toBe(1250);
    expect(retryDelay(1, DEFAULT_RETRY, 7000, 0.5)).toBe(7000);
    expect(retryDelay(1, DEFAULT_RETRY, 3_600_000, 0)).toBe(DEFAULT_RETRY.maxDelayMs);
    expect(retryDelay(10, { ...DEFAULT_RETRY, maxDelayMs: 5000 }, undefined, 0)).toBe(5000);
  });

  it('reads Retry-After in seconds only', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
  });
});
