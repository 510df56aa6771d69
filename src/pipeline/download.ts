import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../exec.js';
import { partialName } from './partials.js';

export interface DownloadProgress {
  received: number;
  /** Content-Length, when the server sent one. */
  total?: number;
}

export interface Downloaded {
  file: string;
  sha256: string;
  size: number;
}

/** How often a transient failure is tried again, and how long to wait before each try. */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** The wait before the second attempt; it doubles for each one after. */
  baseDelayMs: number;
  /** No wait is longer, a server's Retry-After included. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 };

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** The whole download, every attempt and wait included. */
  timeoutMs?: number;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  /** Told of every failed attempt that will be tried again, and how long until then. */
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
}

/** A download that could not be completed; says which URL. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** One failed attempt: why, whether another may succeed, and how long the server asked us to wait. */
class AttemptFailure extends Error {
  constructor(
    readonly reason: string,
    readonly transient: boolean,
    readonly retryAfterMs?: number
  ) {
    super(reason);
  }
}

/** Whether an HTTP status may go away if asked again: server errors, a timeout, too many requests. Pure. */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** A Retry-After header in seconds, as milliseconds (an HTTP date or anything else: undefined). Pure. */
export function retryAfterMs(header: string | null): number | undefined {
  return header !== null && /^\s*\d+\s*$/.test(header) ? Number(header) * 1000 : undefined;
}

/**
 * The wait before attempt `attempt + 1`: what the server asked for, or
 * baseDelayMs doubled per attempt with up to a quarter more at random (so
 * runs that failed together do not come back together); never over
 * maxDelayMs. Pure.
 */
export function retryDelay(
  attempt: number,
  policy: RetryPolicy,
  serverAskedMs: number | undefined,
  random: number
): number {
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1) * (1 + random / 4);
  return Math.round(Math.min(serverAskedMs ?? backoff, policy.maxDelayMs));
}

function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

/** One attempt: the response streamed into `partial`, hashed; renamed to `file` only when whole. */
async function attempt(url: string, file: string, signal: AbortSignal, options: DownloadOptions) {
  const partial = partialName(file);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new AttemptFailure(`could not connect: ${errorCode(error)}`, true);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    const status = `HTTP ${response.status} ${response.statusText}`.trim();
    const asked = retryAfterMs(response.headers.get('retry-after'));
    throw new AttemptFailure(status, isTransientStatus(response.status), asked);
  }
  const total = Number(response.headers.get('content-length')) || undefined;
  const hash = createHash('sha256');
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      received += chunk.length;
      options.onProgress?.({ received, total });
      callback(null, chunk);
    }
  });
  try {
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    await pipeline(body, meter, createWriteStream(partial));
    if (total !== undefined && received !== total) {
      throw new AttemptFailure(`the body ended early: got ${received} of ${total} bytes`, true);
    }
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof AttemptFailure || signal.aborted) throw error;
    throw new AttemptFailure(`the body broke off after ${received} bytes: ${errorCode(error)}`, true);
  }
  await rename(partial, file).catch(async (error: unknown) => {
    await rm(partial, { force: true });
    throw error;
  });
  return { file, sha256: hash.digest('hex'), size: received };
}

/**
 * Downloads `url` to `file`, hashing as it streams. The bytes land in a
 * staging sibling (partials.ts) and are renamed into place only when
 * complete, so an interrupted download never leaves a file that looks
 * finished. A transient failure (no connection, a body that breaks off,
 * HTTP 5xx, 408, 429) is tried again, a bounded number of times with a
 * growing wait; any other fails at once. Cancelling `signal` stops at once,
 * waits included, with an AbortError.
 */
export async function download(
  url: string,
  file: string,
  options: DownloadOptions = {}
): Promise<Downloaded> {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  await mkdir(path.dirname(file), { recursive: true });
  const stopped = (error: unknown): Error => {
    if (options.signal?.aborted) return new AbortError(`Downloading ${url} was cancelled`, { cause: error });
    return new DownloadError(`Downloading ${url} took longer than ${Math.round(timeoutMs / 1000)} s`);
  };
  for (let n = 1; ; n++) {
    let failure: AttemptFailure;
    try {
      return await attempt(url, file, signal, options);
    } catch (error) {
      if (signal.aborted) throw stopped(error);
      if (!(error instanceof AttemptFailure)) throw error;
      failure = error;
    }
    const tries = n === 1 ? '1 attempt' : `${n} attempts`;
    if (!failure.transient || n >= policy.attempts) {
      throw new DownloadError(`Downloading ${url} failed after ${tries}: ${failure.reason}`);
    }
    const delayMs = retryDelay(n, policy, failure.retryAfterMs, Math.random());
    options.onRetry?.(n, failure.reason, delayMs);
    try {
      await sleep(delayMs, undefined, { signal });
    } catch (error) {
      throw stopped(error);
    }
  }
}
