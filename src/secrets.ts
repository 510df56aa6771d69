/**
 * Secrets the user gave (a token in a repository URL): kept in memory only,
 * handed to git through its environment, and masked in everything this
 * program prints. A secret never serialises: JSON and util.inspect show ***.
 */
import { inspect } from 'node:util';
import type { UrlCredentials } from './repo-url.js';

const MASK = '***';

/** Credentials for the repositories of one origin (scheme://host[:port]/). */
export class RepoCredentials {
  readonly origin: string;
  readonly #header: string;
  readonly #secrets: string[];

  constructor(credentials: UrlCredentials) {
    this.origin = credentials.origin;
    const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
    this.#header = `Authorization: Basic ${basic}`;
    // With a password, the user is a name (x-access-token, oauth2); without, it is the token.
    const secret = credentials.password || credentials.username;
    const written = credentials.password ? credentials.written.slice(1) : credentials.written.slice(0, 1);
    this.#secrets = [...new Set([secret, ...written, basic])].filter((s) => s !== '');
  }

  /**
   * The configuration that makes git send them, only to their origin (and so
   * to the submodules that live beside the repository). It is given to git
   * through GIT_CONFIG_COUNT/KEY/VALUE, never on its command line nor in a file.
   */
  gitConfig(): { key: string; value: string } {
    return { key: `http.${this.origin}.extraHeader`, value: this.#header };
  }

  /** Every spelling of the secret that could reach a log. */
  secrets(): string[] {
    return [...this.#secrets];
  }

  toJSON(): string {
    return `${MASK} (credentials for ${this.origin})`;
  }

  toString(): string {
    return this.toJSON();
  }

  [inspect.custom](): string {
    return `RepoCredentials(${this.origin}, ${MASK})`;
  }
}

/** What this process masks in its output; filled by the fronts from what the user gave. */
const masked = new Set<string>();

/** Mask `value` in every message, log line and error this process prints from now on. */
export function maskSecret(value: string): void {
  if (value !== '') masked.add(value);
}

/** `text` with every masked secret replaced by ***; the longest first, so no part of one is left. */
export function redact(text: string): string {
  if (masked.size === 0 || text === '') return text;
  let out = text;
  for (const secret of [...masked].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
  return out;
}

/** Mask every spelling of these credentials; `also` tells someone else to mask them too (the runner). */
export function maskCredentials(
  credentials: RepoCredentials | undefined,
  also: (secret: string) => void = () => undefined
): void {
  for (const secret of credentials?.secrets() ?? []) {
    maskSecret(secret);
    also(secret);
  }
}
