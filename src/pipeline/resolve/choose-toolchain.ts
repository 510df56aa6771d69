/** Decision: the standalone toolchain of a legacy (GNU make) build. */
import { isSha256 } from '../../grammar.js';
import {
  findToolchainByUrl,
  toolchainForIdf,
  toolchainVersionFromUrl,
  type ToolchainSpec
} from '../../toolchains.js';
import { ResolveError, type BuildSystem, type ResolveOptions } from './model.js';

/** Null for CMake builds, which use the toolchain ESP-IDF installs: the toolchain inputs are ignored, with a warning. */
export function chooseToolchain(
  buildSystem: BuildSystem,
  ref: string,
  options: ResolveOptions,
  warnings: string[]
): ToolchainSpec | null {
  if (buildSystem === 'make') return legacyToolchain(ref, options, warnings);
  if (options.toolchainUrl?.trim() || options.toolchainSha256?.trim()) {
    warnings.push(
      'toolchain-url and toolchain-sha256 are ignored: CMake builds use the toolchain ESP-IDF installs.'
    );
  }
  return null;
}

function legacyToolchain(ref: string, options: ResolveOptions, warnings: string[]): ToolchainSpec {
  const url = options.toolchainUrl?.trim() ?? '';
  const shaInput = options.toolchainSha256?.trim().toLowerCase() ?? '';
  if (shaInput && !isSha256(shaInput)) {
    throw new ResolveError(
      `Invalid toolchain-sha256 "${options.toolchainSha256}": expected 64 hexadecimal digits.`
    );
  }

  let spec: ToolchainSpec;
  if (url) {
    spec = toolchainAt(url, shaInput);
  } else {
    const choice = toolchainForIdf(ref);
    if (choice.warning) warnings.push(choice.warning);
    spec = { ...choice.toolchain };
  }

  if (shaInput) {
    if (spec.sha256 && spec.sha256 !== shaInput) {
      warnings.push(
        `toolchain-sha256 differs from the known checksum of ${spec.url} (${spec.sha256}); using the one given.`
      );
    }
    spec.sha256 = shaInput;
  }
  if (!spec.sha256) {
    throw new ResolveError(`No checksum is known for the toolchain ${spec.url}: set toolchain-sha256.`);
  }
  return spec;
}

/** The toolchain at a URL given as input: one the table knows, or any other when its checksum is given. */
function toolchainAt(url: string, shaInput: string): ToolchainSpec {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ResolveError(`Invalid toolchain-url "${url}": not a URL.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ResolveError(`Invalid toolchain-url "${url}": only http and https downloads are supported.`);
  }
  const known = findToolchainByUrl(url);
  if (known) return { name: known.name, version: known.version, url: known.url, sha256: known.sha256 };
  if (!shaInput) {
    throw new ResolveError(
      `toolchain-url ${url} is not a toolchain this action knows, so its checksum is unknown: set toolchain-sha256 ` +
        '(the SHA-256 of the archive) as well.'
    );
  }
  return { name: 'xtensa-esp32-elf', version: toolchainVersionFromUrl(url), url, sha256: null };
}
