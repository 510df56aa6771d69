/**
 * The environment that points ESP-IDF's installer at mirrors. ESP-IDF reads
 * several variables, and each version a different subset:
 * - IDF_MIRROR_PREFIX_MAP (`regex,replacement;…`, first match wins) rewrites
 *   any download URL, in every version from v4.0 on: the tools from GitHub
 *   and dl.espressif.com, and from v5 the constraints file;
 * - IDF_GITHUB_ASSETS (host/path, https assumed) rewrites GitHub release
 *   assets from v4.3 on (v4.0.2 and v4.2 ignore it);
 * - pip reads PIP_INDEX_URL, and refuses a plain-http index unless its host
 *   is in PIP_TRUSTED_HOST; ESP-IDF passes IDF_PIP_WHEELS_URL to pip as an
 *   extra index (v5; v4 has it as the --extra-wheels-url default). Pure.
 */
import type { Mirrors } from '../inputs.js';

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function trustedHost(url: string): string | undefined {
  return url.startsWith('http://') ? new URL(url).hostname : undefined;
}

/**
 * What the install container's environment gets for these mirrors. ESP-IDF
 * v4.x always adds https://dl.espressif.com/pypi as an extra index (its
 * idf_tools.py has it built in, and no variable rewrites it): with an
 * Espressif mirror, so with that host presumably unreachable, pip tries it
 * once per package instead of five times.
 */
export function mirrorEnv(mirrors: Mirrors, idfMajor?: number): Record<string, string> {
  const env: Record<string, string> = {};
  const map: string[] = [];
  if (mirrors.github) map.push(`^${escapeRegex('https://github.com')},${mirrors.github}`);
  if (mirrors.espressif) map.push(`^${escapeRegex('https://dl.espressif.com')},${mirrors.espressif}`);
  if (map.length) env.IDF_MIRROR_PREFIX_MAP = map.join(';');
  if (mirrors.githubAssets) env.IDF_GITHUB_ASSETS = mirrors.githubAssets;
  const wheels = mirrors.pipWheels ?? (mirrors.espressif ? `${mirrors.espressif}/pypi` : undefined);
  if (mirrors.pipIndex) env.PIP_INDEX_URL = mirrors.pipIndex;
  if (wheels) env.IDF_PIP_WHEELS_URL = wheels;
  const trusted = [mirrors.pipIndex, wheels].flatMap((url) => (url ? [trustedHost(url)] : []));
  const hosts = [...new Set(trusted.filter((h): h is string => h !== undefined))];
  if (hosts.length) env.PIP_TRUSTED_HOST = hosts.join(' ');
  if (idfMajor === 4 && mirrors.espressif) env.PIP_RETRIES = '1';
  return env;
}

/**
 * What the build containers get for a mirror of the component registry: the
 * manager asks its storage first (and a lock file's registry_url beats
 * IDF_COMPONENT_REGISTRY_URL), so both are set. Pure.
 */
export function componentEnv(mirrors: Mirrors): Record<string, string> {
  if (!mirrors.componentRegistry) return {};
  return {
    IDF_COMPONENT_REGISTRY_URL: mirrors.componentRegistry,
    IDF_COMPONENT_STORAGE_URL: mirrors.componentRegistry
  };
}

/** Which input mirrors a download host, for an error that says what to set. Pure. */
export function mirrorInputFor(host: string): string | undefined {
  if (host === 'github.com' || host.endsWith('.githubusercontent.com')) return 'idf-tools-mirror';
  if (host === 'dl.espressif.com') return 'espressif-mirror';
  if (host === 'pypi.org' || host === 'files.pythonhosted.org') return 'pip-index';
  if (host === 'components.espressif.com' || host === 'components-file.espressif.com') {
    return 'component-registry-mirror';
  }
  return undefined;
}

/** Lines of installer output that say a download failed. */
const DOWNLOAD_FAILED =
  /Failed to download|Download failure|urlopen error|Could not fetch URL|Max retries exceeded|Failed to establish a new connection|Temporary failure in name resolution|Could not find a version that satisfies|Network is unreachable/i;

/**
 * When install.sh failed for want of a download: the host it could not
 * reach and the input that mirrors it, in words. Pure.
 */
export function downloadFailureHint(output: string): string | undefined {
  const lines = output.split('\n').slice(-80);
  if (!lines.some((line) => DOWNLOAD_FAILED.test(line))) return undefined;
  const hosts = lines.flatMap((line) =>
    [...line.matchAll(/\bhttps?:\/\/([A-Za-z0-9.-]+)/g)].map((m) => m[1])
  );
  const host = hosts.at(-1);
  if (!host) return undefined;
  const input = mirrorInputFor(host);
  return input
    ? `ESP-IDF's install.sh could not download from ${host}. If this machine cannot reach it, set ${input} to a mirror of it (the README's mirror table says which input covers which host).`
    : `ESP-IDF's install.sh could not download from ${host}: check that this mirror answers from inside the container (network input).`;
}

/**
 * When a build failed because the component manager could not reach the
 * registry (a cold cache, or one that lacks what the lock names): the
 * component, the host and the input that mirrors it. The manager reports
 * requests' error, `HTTPSConnectionPool(host='…', port=…): Max retries
 * exceeded with url: /components/<ns>/<name>.json`, or names the component
 * in `Cannot download component <ns>/<name>@<version>`. Pure.
 */
export function componentFailureHint(output: string): string | undefined {
  const lines = output.split('\n').slice(-120);
  const pool = lines
    .map((line) =>
      /ConnectionPool\(host='([^']+)', port=(\d+)\): Max retries exceeded with url: (\S*)/.exec(line)
    )
    .find((m) => m !== null);
  if (!pool) return undefined;
  const named =
    /\/components\/([\w.-]+)\/([\w.-]+)\.json/.exec(pool[3]) ??
    lines.map((line) => /Cannot download component ([\w.-]+)\/([\w.-]+)@/.exec(line)).find((m) => m !== null);
  const component = named ? `${named[1]}/${named[2]}` : 'a managed component';
  return `ESP-IDF's component manager could not reach ${pool[1]} (port ${pool[2]}) to fetch ${component}, and the component cache does not hold it yet. If this machine cannot reach the registry, set component-registry-mirror (--component-registry-mirror) to a mirror of components.espressif.com; a warm build with the cache restored needs no registry.`;
}
