/**
 * A loopback double of the GitHub Actions cache service v2, enough for the
 * real @actions/cache to save and restore:
 *
 * - Twirp JSON at POST /twirp/github.actions.results.api.v1.CacheService/<Method>
 *   (CreateCacheEntry, FinalizeCacheEntryUpload, GetCacheEntryDownloadURL),
 *   bearer token required.
 * - Signed blob URLs in the path style the Azure SDK uses for IP hosts
 *   (/<account>/<container>/<blob>?sig=…): PUT with x-ms-blob-type: BlockBlob
 *   (one shot), PUT ?comp=block&blockid=… and PUT ?comp=blocklist (blocks),
 *   GET/HEAD with optional Range for the download.
 *
 * Matching follows the real service: exact key, then the key as a prefix,
 * then each restore key as a prefix, newest entry first, same version only.
 * An entry is visible once finalized; creating an existing key (or one being
 * uploaded) is refused with 409 already_exists, as the real service does.
 *
 * With storageDir, entries and blobs live on disk and every request reads the
 * index again, so a restarted server (or a second one) sees earlier entries.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface CacheServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** What the runner sets for @actions/cache to use this server. */
  env: Record<string, string>;
  /** Finalized entries, oldest first. */
  entries(): { key: string; version: string; size: number }[];
  /** The stored archive of the newest finalized entry with this key, to look into (or tamper with). */
  archive(key: string): string | undefined;
  /** Every request, in order; path keeps only the `comp` query parameter. */
  requests: { method: string; path: string }[];
  /** While down, every request gets 503. */
  setDown(down: boolean): void;
  /** A fault of one part of the service (see CacheFault); 'none' ends it. */
  setFault(fault: CacheFault): void;
  close(): Promise<void>;
}

/**
 * - restore-error: looking an entry up answers 500 (restores fail, saves work).
 * - save-error: creating an entry answers 500 (saves fail, restores work).
 * - upload-stall: an upload's bytes are taken and never answered (a save that hangs).
 */
export type CacheFault = 'none' | 'restore-error' | 'save-error' | 'upload-stall';

export interface CacheServerOptions {
  /** Keep entries and blobs here (shared by servers given the same directory). */
  storageDir?: string;
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';
const ACCOUNT = 'fixturecache';
const CONTAINER = 'actions-cache';

interface StoredEntry {
  id: number;
  key: string;
  version: string;
  /** Secret in the signed URLs of this entry. */
  sig: string;
  /** Bytes uploaded (set once the blob is committed). */
  size: number;
  finalized: boolean;
  /** Order of finalization: larger is newer. */
  sequence: number;
}

interface Index {
  nextId: number;
  nextSequence: number;
  entries: StoredEntry[];
}

class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

/** Index and blobs under one directory; the index is re-read on every use. */
class Store {
  constructor(readonly dir: string) {}

  get indexFile(): string {
    return path.join(this.dir, 'index.json');
  }

  blobFile(id: number): string {
    return path.join(this.dir, 'blobs', String(id));
  }

  blockDir(id: number): string {
    return path.join(this.dir, 'blocks', String(id));
  }

  async init(): Promise<void> {
    await fs.mkdir(path.join(this.dir, 'blobs'), { recursive: true });
    await fs.mkdir(path.join(this.dir, 'blocks'), { recursive: true });
  }

  async read(): Promise<Index> {
    return this.readNow();
  }

  readNow(): Index {
    try {
      return JSON.parse(readFileSync(this.indexFile, 'utf8')) as Index;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { nextId: 1, nextSequence: 1, entries: [] };
      throw error;
    }
  }

  async write(index: Index): Promise<void> {
    const temp = `${this.indexFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await fs.writeFile(temp, JSON.stringify(index, null, 2));
    await fs.rename(temp, this.indexFile);
  }

  /** Read-modify-write of the index, one at a time per directory in this process. */
  update<T>(change: (index: Index) => T | Promise<T>): Promise<T> {
    const previous = updateQueues.get(this.dir) ?? Promise.resolve();
    const next = previous.then(async () => {
      const index = await this.read();
      const result = await change(index);
      await this.write(index);
      return result;
    });
    updateQueues.set(
      this.dir,
      next.catch(() => undefined)
    );
    return next;
  }
}

/** Pending index updates by storage directory, shared by servers in this process. */
const updateQueues = new Map<string, Promise<unknown>>();

export async function startCacheServer(options: CacheServerOptions = {}): Promise<CacheServer> {
  const ownDir = options.storageDir ? undefined : await fs.mkdtemp(path.join(os.tmpdir(), 'cache-server-'));
  const store = new Store(options.storageDir ?? ownDir!);
  await store.init();
  const token = `fixture-token-${randomBytes(8).toString('hex')}`;
  const requests: { method: string; path: string }[] = [];
  let down = false;
  let fault: CacheFault = 'none';
  let url = '';

  const blobUrl = (entry: StoredEntry) =>
    `${url}/${ACCOUNT}/${CONTAINER}/${entry.id}?sv=2024-11-04&sr=b&sp=rcw&sig=${entry.sig}`;

  const twirp: Record<string, (body: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
    async CreateCacheEntry(body) {
      if (fault === 'save-error') throw new TwirpError(500, 'internal', 'fixture fault: saving fails');
      const key = requireString(body, 'key');
      const version = requireString(body, 'version');
      return store.update((index) => {
        const existing = index.entries.find((e) => e.key === key && e.version === version);
        if (existing) {
          throw new TwirpError(
            409,
            'already_exists',
            'cache entry with the same key, version, and scope already exists'
          );
        }
        const entry: StoredEntry = {
          id: index.nextId++,
          key,
          version,
          sig: randomBytes(12).toString('hex'),
          size: 0,
          finalized: false,
          sequence: 0
        };
        index.entries.push(entry);
        return { ok: true, signed_upload_url: blobUrl(entry) };
      });
    },
    async FinalizeCacheEntryUpload(body) {
      const key = requireString(body, 'key');
      const version = requireString(body, 'version');
      const declared = Number(body.size_bytes ?? 0);
      return store.update(async (index) => {
        const entry = index.entries.find((e) => e.key === key && e.version === version && !e.finalized);
        if (!entry) throw new TwirpError(404, 'not_found', 'cache entry not found');
        const stat = await fs.stat(store.blobFile(entry.id)).catch(() => undefined);
        if (!stat) throw new TwirpError(400, 'failed_precondition', 'the cache entry has no uploaded blob');
        if (declared && declared !== stat.size) {
          throw new TwirpError(
            400,
            'invalid_argument',
            `size_bytes ${declared} does not match the uploaded ${stat.size} bytes`
          );
        }
        entry.size = stat.size;
        entry.finalized = true;
        entry.sequence = index.nextSequence++;
        return { ok: true, entry_id: String(entry.id) };
      });
    },
    async GetCacheEntryDownloadURL(body) {
      if (fault === 'restore-error') throw new TwirpError(500, 'internal', 'fixture fault: restoring fails');
      const key = requireString(body, 'key');
      const version = requireString(body, 'version');
      const restoreKeys = Array.isArray(body.restore_keys)
        ? (body.restore_keys as unknown[]).map(String)
        : [];
      const index = await store.read();
      const match = findEntry(index.entries, key, restoreKeys, version);
      if (!match) return { ok: false, signed_download_url: '', matched_key: '' };
      return { ok: true, signed_download_url: blobUrl(match), matched_key: match.key };
    }
  };

  async function handleTwirp(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') throw new TwirpError(405, 'bad_route', `unsupported method ${req.method}`);
    if (req.headers.authorization !== `Bearer ${token}`) {
      throw new TwirpError(401, 'unauthenticated', 'invalid or missing runtime token');
    }
    const handler = twirp[method];
    if (!handler) throw new TwirpError(404, 'bad_route', `no handler for ${method}`);
    const text = (await readBody(req)).toString('utf8');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text || '{}') as Record<string, unknown>;
    } catch {
      throw new TwirpError(400, 'malformed', 'the request body is not JSON');
    }
    sendJson(res, 200, await handler(body));
  }

  async function handleBlob(req: IncomingMessage, res: ServerResponse, target: URL): Promise<void> {
    const id = Number(target.pathname.split('/')[3]);
    const index = await store.read();
    const entry = index.entries.find((e) => e.id === id);
    if (!entry || target.searchParams.get('sig') !== entry.sig) {
      return sendBlobError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request.');
    }
    const comp = target.searchParams.get('comp');
    if (req.method === 'PUT') {
      if (fault === 'upload-stall') {
        // Every byte taken, no answer ever: the socket stays open until the client or close() ends it.
        req.resume();
        return;
      }
      if (entry.finalized)
        return sendBlobError(res, 409, 'BlobImmutable', 'This cache entry is already finalized.');
      if (comp === 'block') {
        const blockId = target.searchParams.get('blockid');
        if (!blockId) return sendBlobError(res, 400, 'InvalidQueryParameterValue', 'blockid is required.');
        await fs.mkdir(store.blockDir(id), { recursive: true });
        await pipeline(
          req,
          createWriteStream(path.join(store.blockDir(id), Buffer.from(blockId).toString('hex')))
        );
        return sendCreated(res, { 'x-ms-request-server-encrypted': 'true' });
      }
      if (comp === 'blocklist') {
        const ids = blockListIds((await readBody(req)).toString('utf8'));
        const files = ids.map((blockId) =>
          path.join(store.blockDir(id), Buffer.from(blockId).toString('hex'))
        );
        for (const [i, file] of files.entries()) {
          if (!(await fs.stat(file).catch(() => undefined))) {
            return sendBlobError(res, 400, 'InvalidBlockList', `The block ${ids[i]} was never staged.`);
          }
        }
        await fs.writeFile(store.blobFile(id), '');
        for (const file of files) await fs.appendFile(store.blobFile(id), await fs.readFile(file));
        await fs.rm(store.blockDir(id), { recursive: true, force: true });
        return sendCreated(res, { 'x-ms-request-server-encrypted': 'true' });
      }
      if (comp) return sendBlobError(res, 400, 'UnsupportedQueryParameter', `comp=${comp} is not supported.`);
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
        return sendBlobError(res, 400, 'MissingRequiredHeader', 'x-ms-blob-type: BlockBlob is required.');
      }
      await pipeline(req, createWriteStream(store.blobFile(id)));
      return sendCreated(res, { 'x-ms-request-server-encrypted': 'true' });
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!entry.finalized)
        return sendBlobError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
      const size = (await fs.stat(store.blobFile(id))).size;
      const range = parseRange(req.headers.range ?? (req.headers['x-ms-range'] as string | undefined), size);
      const headers: Record<string, string> = {
        'Content-Type': 'application/octet-stream',
        'Accept-Ranges': 'bytes',
        'x-ms-blob-type': 'BlockBlob',
        ETag: `"0x${entry.sig.slice(0, 16).toUpperCase()}"`
      };
      if (range === 'invalid') {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` });
        return void res.end();
      }
      const [start, end] = range ?? [0, size - 1];
      headers['Content-Length'] = String(Math.max(0, end - start + 1));
      if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
      res.writeHead(range ? 206 : 200, headers);
      if (req.method === 'HEAD' || size === 0) return void res.end();
      await pipeline(createReadStream(store.blobFile(id), { start, end }), res);
      return;
    }
    sendBlobError(res, 405, 'UnsupportedHttpVerb', `${req.method} is not supported.`);
  }

  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    const comp = target.searchParams.get('comp');
    requests.push({
      method: req.method ?? '',
      path: comp ? `${target.pathname}?comp=${comp}` : target.pathname
    });
    const respond = async () => {
      if (down) {
        req.resume();
        if (target.pathname.startsWith(TWIRP_PREFIX)) {
          return sendJson(res, 503, { code: 'unavailable', msg: 'the cache service is unavailable' });
        }
        return sendBlobError(res, 503, 'ServerBusy', 'The server is currently unable to receive requests.');
      }
      if (target.pathname.startsWith(TWIRP_PREFIX)) {
        return handleTwirp(req, res, target.pathname.slice(TWIRP_PREFIX.length));
      }
      if (target.pathname.startsWith(`/${ACCOUNT}/${CONTAINER}/`)) return handleBlob(req, res, target);
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
    };
    respond().catch((error: unknown) => {
      req.resume();
      if (res.headersSent) return void res.destroy();
      if (error instanceof TwirpError)
        return sendJson(res, error.status, { code: error.code, msg: error.message });
      sendJson(res, 500, { code: 'internal', msg: error instanceof Error ? error.message : String(error) });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    env: {
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: `${url}/`,
      ACTIONS_RUNTIME_TOKEN: token,
      GITHUB_SERVER_URL: 'https://github.com'
    },
    entries() {
      return store
        .readNow()
        .entries.filter((e) => e.finalized)
        .sort((a, b) => a.sequence - b.sequence)
        .map((e) => ({ key: e.key, version: e.version, size: e.size }));
    },
    archive(key: string) {
      const found = store
        .readNow()
        .entries.filter((e) => e.finalized && e.key === key)
        .sort((a, b) => b.sequence - a.sequence)[0];
      return found ? store.blobFile(found.id) : undefined;
    },
    requests,
    setDown(value: boolean) {
      down = value;
    },
    setFault(value: CacheFault) {
      fault = value;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve()))
      );
      if (ownDir) await fs.rm(ownDir, { recursive: true, force: true });
    }
  };
}

/** The real service's order: exact key, the key as a prefix, then each restore key as a prefix; newest first. */
function findEntry(
  entries: StoredEntry[],
  key: string,
  restoreKeys: string[],
  version: string
): StoredEntry | undefined {
  const visible = entries
    .filter((e) => e.finalized && e.version === version)
    .sort((a, b) => b.sequence - a.sequence);
  const exact = visible.find((e) => e.key === key);
  if (exact) return exact;
  for (const prefix of [key, ...restoreKeys]) {
    const found = visible.find((e) => e.key.startsWith(prefix));
    if (found) return found;
  }
  return undefined;
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '')
    throw new TwirpError(400, 'invalid_argument', `${field} is required`);
  return value;
}

/** Block IDs of a Put Block List body, in order (Latest, Committed or Uncommitted). */
function blockListIds(xml: string): string[] {
  return [...xml.matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)<\/\1>/g)].map((m) => m[2].trim());
}

/** [start, end] of a single "bytes=a-b" range, undefined for none, 'invalid' when unsatisfiable. */
function parseRange(header: string | undefined, size: number): [number, number] | undefined | 'invalid' {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : [start, end];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The headers Azure Blob Storage answers a successful write with. */
function sendCreated(res: ServerResponse, extra: Record<string, string>): void {
  res.writeHead(201, {
    ETag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`,
    'Last-Modified': new Date().toUTCString(),
    'x-ms-request-id': randomBytes(16).toString('hex'),
    'x-ms-version': '2025-11-05',
    Date: new Date().toUTCString(),
    'Content-Length': '0',
    ...extra
  });
  res.end();
}

function sendBlobError(res: ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(xml),
    'x-ms-error-code': code,
    'x-ms-request-id': randomBytes(16).toString('hex')
  });
  res.end(xml);
}

/**
 * The bytes of an archive @actions/cache stored (zstd with a long window, or
 * gzip where zstd is missing), decompressed: a tar to search or list.
 */
export function unpackArchive(file: string): Buffer {
  const head = readFileSync(file).subarray(0, 4);
  const zstd = head.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
  return execFileSync(zstd ? 'zstd' : 'gzip', zstd ? ['-dc', '--long=30', file] : ['-dc', file], {
    maxBuffer: 1024 * 1024 * 1024
  });
}

/** The paths in an archive @actions/cache stored. */
export function archivePaths(file: string): string[] {
  return execFileSync('tar', ['-t'], {
    input: unpackArchive(file),
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'ignore']
  })
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
}
