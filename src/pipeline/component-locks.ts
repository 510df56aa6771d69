/**
 * What a tree's dependencies.lock says, and what that means for the
 * component manager's download cache. Pure.
 *
 * The manager (idf-component-manager, 1.x in ESP-IDF v5.0 to v5.2, 2.x later)
 * has no offline switch: with a lock file it still asks the registry about
 * every locked component on each CMake configure (is the version still there,
 * is its hash the same), whatever IDF_COMPONENT_CHECK_NEW_VERSION says; only
 * a connection error makes it skip the question and go on with its cache. So
 * when the cache already holds everything the lock names, the build is given
 * a registry it cannot reach: a closed loopback port as the first storage
 * URL (2.x asks IDF_COMPONENT_STORAGE_URL first, and a connection error ends
 * the question there) and the lock's registry hosts resolving to loopback
 * (1.x asks the lock's registry_url).
 */
import { createHash } from 'node:crypto';

export const DEFAULT_REGISTRY = 'https://components.espressif.com/';
/** The hosts behind the default registry: its API, its page and its file storage. */
const DEFAULT_REGISTRY_HOSTS = [
  'components.espressif.com',
  'api.components.espressif.com',
  'components-file.espressif.com'
];
/** A storage URL that refuses every connection at once (port 9, discard, is closed on any sane host). */
export const UNREACHABLE_STORAGE = 'http://127.0.0.1:9/';

export interface LockedComponent {
  /** namespace/name, e.g. espressif/mdns. */
  name: string;
  version: string;
  /** component_hash, sha256 hex; empty for sources that have none. */
  hash: string;
  /** service (the registry), git, idf, local… */
  type: string;
  /** The registry a service component came from. */
  registryUrl?: string;
}

export interface Lock {
  target?: string;
  components: LockedComponent[];
}

const unquote = (text: string) => text.trim().replace(/^(['"])(.*)\1$/, '$2');

function field(component: Partial<LockedComponent>, key: string, value: string): void {
  if (value === 'null') return;
  if (key === 'version') component.version = value;
  else if (key === 'component_hash') component.hash = value;
  else if (key === 'type') component.type = value;
  else if (key === 'registry_url') component.registryUrl = value;
}

/**
 * The components of a dependencies.lock (block YAML as the manager writes it:
 * `dependencies:` then one two-space-indented mapping per component).
 */
export function parseLock(text: string): Lock {
  const lock: Lock = { components: [] };
  let section = '';
  let current: Partial<LockedComponent> | undefined;
  const finish = () => {
    if (current?.name && current.version) {
      lock.components.push({ hash: '', type: 'service', ...current } as LockedComponent);
    }
    current = undefined;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    const match = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (indent === 0) {
      finish();
      section = match?.[1] ?? '';
      if (section === 'target' && match) lock.target = unquote(match[2]);
    } else if (section === 'dependencies' && match) {
      if (indent === 2) {
        finish();
        current = { name: unquote(match[1]) };
      } else if (current && !match[1].startsWith('-') && (indent === 4 || indent === 6)) {
        field(current, match[1].trim(), unquote(match[2]));
      }
    }
  }
  finish();
  return lock;
}

/** The manager's hash of a registry URL: sha256 of host/path without empty segments. */
function hashUrl(url: string): string {
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/').filter(Boolean).join('/');
  return createHash('sha256').update(`${parsed.host}/${segments}`).digest('hex');
}

/** Where the manager caches a registry component: service_<h8>/<ns>__<name>_<version>_<hash8>. */
export function cachedPath(component: LockedComponent): string {
  const service = `service_${hashUrl(component.registryUrl ?? DEFAULT_REGISTRY).slice(0, 8)}`;
  return `${service}/${component.name.replace('/', '__')}_${component.version}_${component.hash.slice(0, 8)}`;
}

/** The components a build downloads: from the registry, or git (idf and local ones are not downloaded). */
export function downloaded(locks: Lock[]): LockedComponent[] {
  return locks.flatMap((lock) => lock.components.filter((c) => c.type === 'service' || c.type === 'git'));
}

/**
 * Whether a cache holding `present` (cachedPath()s that passed verification,
 * and whether any git mirror is there) has everything these locks download.
 */
export function covers(locks: Lock[], present: { paths: Set<string>; gitMirrors: boolean }): boolean {
  const needed = downloaded(locks);
  if (locks.length === 0 || needed.length === 0) return false;
  return needed.every((c) =>
    c.type === 'git' ? present.gitMirrors : c.hash !== '' && present.paths.has(cachedPath(c))
  );
}

/** The registry hosts these locks and the configured registry name, that a covered build must not reach. */
export function registryHosts(locks: Lock[], configured?: string): string[] {
  const hosts = new Set<string>();
  const urls = [configured, ...downloaded(locks).map((c) => c.registryUrl)].filter((u): u is string => !!u);
  for (const url of urls) {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      continue;
    }
    // An IP literal cannot be redirected by a hosts entry (2.x's storage order covers it).
    if (/^[\d.]+$/.test(host) || host.startsWith('[')) continue;
    hosts.add(host);
    if (DEFAULT_REGISTRY_HOSTS.includes(host)) DEFAULT_REGISTRY_HOSTS.forEach((h) => hosts.add(h));
  }
  return [...hosts].sort();
}
