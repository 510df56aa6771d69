import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

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

/** A download that could not be completed; says which URL. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

/**
 * Downloads `url` to `file`, hashing as it streams. The bytes land in a
 * temporary sibling first and are renamed into place only when complete, so
 * an interrupted download never leaves a file that looks finished.
 */
export async function download(
  url: string,
  file: string,
  options: { onProgress?: (p: DownloadProgress) => void; timeoutMs?: number; signal?: AbortSignal } = {}
): Promise<Downloaded> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 15 * 60_000)];
  if (options.signal) signals.push(options.signal);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any(signals), redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new DownloadError(`Could not reach ${url}: ${cause?.code ?? cause?.message ?? String(error)}`);
  }
  if (!response.ok || !response.body) {
    throw new DownloadError(`Downloading ${url} failed: HTTP ${response.status} ${response.statusText}`);
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
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      meter,
      createWriteStream(partial)
    );
    if (total !== undefined && received !== total) {
      throw new DownloadError(`Downloading ${url} ended early: got ${received} of ${total} bytes`);
    }
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(`Downloading ${url} failed: ${(error as Error).message}`);
  }
  return { file, sha256: hash.digest('hex'), size: received };
}
