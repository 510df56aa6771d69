/**
 * A repository as the user names it, taken apart: the credentials an http(s)
 * URL may carry are split off, so that only the URL without them is ever
 * given to git (which would write it into .git/config), logged, or hashed
 * into a cache key. Pure.
 */
import path from 'node:path';
import { isRepoHost, isRepoUser } from './grammar.js';

/** The user and password of an http(s) URL, decoded, with where they may be sent. */
export interface UrlCredentials {
  /** scheme://host[:port]/ */
  origin: string;
  username: string;
  password: string;
  /** The user and password as written (percent-encoded): a log could show them so too. */
  written: string[];
}

export interface RepoLocation {
  /** What git is given: an http(s) URL without userinfo, an ssh URL with its user only. */
  url: string;
  credentials?: UrlCredentials;
}

/** Why a repository string cannot be used. */
export type RepoProblem =
  | 'syntax'
  | 'host'
  | 'user'
  | 'ssh-password'
  /** userinfo where the scheme has no use for it (git://, file://). */
  | 'userinfo';

const URL_RE = /^(https?|ssh|git|file):\/\/([^/]*)(\/\S*)?$/;
const HOST_PORT_RE = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/;
/** scp-like `user@host:path`; git reads it as ssh. */
const SCP_RE = /^([^@/\s]+)@(\[[^\]\s]*\]|[^:/\s[\]]+):(\S+)$/;

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function parseUrl(match: RegExpExecArray): RepoLocation | RepoProblem {
  const [, scheme, authority, urlPath = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
  const hostPort = HOST_PORT_RE.exec(authority.slice(at + 1));
  if (!hostPort) return 'syntax';
  const host = hostPort[1];
  if (host === '' ? scheme !== 'file' : !isRepoHost(host)) return 'host';
  if (scheme === 'file' && urlPath === '') return 'syntax';
  if (userinfo === undefined) return { url: match[0] };
  if (scheme === 'ssh') {
    if (userinfo.includes(':')) return 'ssh-password';
    const user = decode(userinfo);
    return user !== undefined && isRepoUser(user) ? { url: match[0] } : 'user';
  }
  if (scheme !== 'http' && scheme !== 'https') return 'userinfo';
  const colon = userinfo.indexOf(':');
  const written = colon >= 0 ? [userinfo.slice(0, colon), userinfo.slice(colon + 1)] : [userinfo, ''];
  const [username, password] = written.map(decode);
  if (username === undefined || password === undefined) return 'syntax';
  const origin = `${scheme}://${authority.slice(at + 1)}/`;
  const url = `${scheme}://${authority.slice(at + 1)}${urlPath}`;
  if (username === '' && password === '') return { url };
  return { url, credentials: { origin, username, password, written: written.filter((w) => w !== '') } };
}

/** A git URL (https, http, ssh, git, file), scp-like user@host:path, or an absolute local path. */
export function parseRepoLocation(raw: string): RepoLocation | RepoProblem {
  // Neither spaces nor control characters belong in one, and git would refuse some only later.
  if (/\s/.test(raw) || [...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return 'syntax';
  }
  const url = URL_RE.exec(raw);
  if (url) return parseUrl(url);
  const scp = SCP_RE.exec(raw);
  if (scp) {
    if (!isRepoUser(scp[1])) return 'user';
    return isRepoHost(scp[2]) ? { url: raw } : 'host';
  }
  if (path.isAbsolute(raw)) return { url: raw };
  return 'syntax';
}

/** The string with the userinfo of a URL in it replaced by ***, for a message. */
export function maskUserinfo(raw: string): string {
  return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/]*@/, '$1***@');
}
