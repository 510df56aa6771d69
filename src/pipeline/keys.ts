import { createHash } from 'node:crypto';

/**
 * Cache keys and directory names: pure functions of what makes an entry
 * different. Bump KEY_EPOCH when the layout of a cached entry changes.
 */
const KEY_EPOCH = 'v1';

export function shortHash(text: string, length = 12): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Keys may not contain commas and are at most 512 characters. */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._+-]/g, '_');
}

export type RefKind = 'tag' | 'branch' | 'commit';

export interface IdfIdentity {
  repo: string;
  kind: RefKind;
  ref: string;
  /** The commit; only part of the key for a branch, whose commit moves. */
  commit?: string;
  chips: string[];
  /** The build image's Python (major.minor): install.sh's venv is tied to it. */
  python: string;
}

function idfStem(id: Omit<IdfIdentity, 'commit'>): string {
  const chips = [...id.chips].sort().join('+');
  return `esp32-idf-${KEY_EPOCH}-${shortHash(id.repo, 8)}-${safe(chips)}-py${safe(id.python)}-${id.kind}-${safe(id.ref)}`;
}

/** The primary key of an ESP-IDF checkout with its installed tools. */
export function idfKey(id: IdfIdentity): string {
  const stem = idfStem(id);
  return id.kind === 'branch' ? `${stem}-${id.commit ?? 'unknown'}` : stem;
}

/** For a branch: any cached commit of it (the newest wins). */
export function idfRestoreKeys(id: Omit<IdfIdentity, 'commit'>): string[] {
  return id.kind === 'branch' ? [`${idfStem(id)}-`] : [];
}

/**
 * The directory of a checkout. It must not depend on a branch's commit: the
 * Actions cache only restores an entry to the paths it was saved from.
 */
export function idfDirName(id: Omit<IdfIdentity, 'commit'>): string {
  const readable = safe(id.ref).slice(0, 40);
  return `${readable}-${shortHash(idfStem(id), 10)}`;
}

export function toolchainKey(version: string, sha256: string): string {
  return `esp32-toolchain-${KEY_EPOCH}-xtensa-esp32-elf-${safe(version)}-${sha256.slice(0, 16)}-linux-x64`;
}

/**
 * The version under which the toolchain sits in the runner's tool cache. The
 * checksum is part of it, so two archives of one version never collide; the
 * result stays valid semver, which the tool cache requires.
 */
export function toolCacheVersion(version: string, sha256: string): string {
  const tag = `sha${sha256.slice(0, 12)}`;
  if (/^\d+\.\d+\.\d+(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/.test(version)) {
    return version.includes('-') ? `${version}.${tag}` : `${version}-${tag}`;
  }
  return `0.0.0-${tag}`;
}

/**
 * How often the image is rebuilt so that security updates of its
 * distribution arrive: the ISO 8601 week of `now` in UTC, e.g. 2026w48
 * (weeks start on Monday; the week of a year's first Thursday is its week 1,
 * so 2027-01-01 is in 2026w53). Part of the image's inputs hash.
 */
export function imageRefreshPeriod(now: Date): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  // The Thursday of the same week decides both the year and the week.
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const year = day.getUTCFullYear();
  const week = Math.floor((day.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
  return `${year}w${String(week).padStart(2, '0')}`;
}

/** The image's inputs hash covers its Dockerfile, build arguments and refresh period. */
export function imageKey(inputsHash: string): string {
  return `esp32-devel-image-${KEY_EPOCH}-${inputsHash}`;
}

export interface CcacheIdentity {
  idfKey: string;
  board: string;
  variant?: string;
  /** Something unique to this run, so every run can save its own entry. */
  run: string;
}

function ccacheStem(id: Omit<CcacheIdentity, 'run'>): string {
  return `esp32-ccache-${KEY_EPOCH}-${shortHash(id.idfKey, 12)}-${safe(id.board || 'default')}-${safe(id.variant ?? '')}`;
}

/** The scope tags of the caches a build writes (cache-scope.ts); '' when unscoped. */
export interface ScopeTags {
  tag: string;
  fallbackTag?: string;
}

const scoped = (tag: string) => (tag ? `${tag}-` : '');

export function ccacheKey(id: CcacheIdentity, scope: ScopeTags = { tag: '' }): string {
  return `${ccacheStem(id)}-${scoped(scope.tag)}${safe(id.run)}`;
}

/** This scope's newest entry first, then the fallback scope's; unscoped, anyone's newest. */
export function ccacheRestoreKeys(id: Omit<CcacheIdentity, 'run'>, scope: ScopeTags = { tag: '' }): string[] {
  const keys = [`${ccacheStem(id)}-${scoped(scope.tag)}`];
  if (scope.tag && scope.fallbackTag) keys.push(`${ccacheStem(id)}-${scoped(scope.fallbackTag)}`);
  return keys;
}

/**
 * The component manager's download cache: one entry per ESP-IDF and per set
 * of the tree's component manifests and lock files, so it holds what those
 * need and nothing that other trees brought.
 */
export function componentsKey(idfRef: string, manifestsHash: string, scopeTag = ''): string {
  return `esp32-components-${KEY_EPOCH}-${safe(idfRef)}-${manifestsHash.slice(0, 16)}${scopeTag ? `-${scopeTag}` : ''}`;
}
