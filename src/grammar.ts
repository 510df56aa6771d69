/**
 * The grammar of the values that reach a command line: board names, ESP-IDF
 * refs, image references, network names, make targets and checksums. Both
 * the input parser and the resolver test against these, so they cannot
 * disagree; each keeps its own error messages.
 *
 * Pure predicates: no messages, no normalising.
 */

/** Board and variant names reach make's command line: nothing but these characters. */
const BOARD_NAME_RE = /^[A-Za-z0-9_]+$/;

export function isBoardName(name: string): boolean {
  return BOARD_NAME_RE.test(name);
}

/** The characters real ESP-IDF refs use; the first one is never '-', so a ref is never read as an option. */
const IDF_REF_RE = /^[A-Za-z0-9][A-Za-z0-9._/+-]*$/;

/** Longer refs are mistakes, and would make cache keys unwieldy. */
const IDF_REF_MAX = 200;

/**
 * An ESP-IDF tag (v5.2.2), branch (release/v5.2) or commit hash, spelled as
 * git allows a ref to be (`git check-ref-format`): no `..`, no empty or
 * dot-led component, no component ending in `.lock`, no trailing `.`.
 */
export function isIdfRef(ref: string): boolean {
  return (
    ref.length <= IDF_REF_MAX &&
    IDF_REF_RE.test(ref) &&
    !ref.includes('..') &&
    !ref.endsWith('.') &&
    ref
      .split('/')
      .every((component) => component !== '' && !component.startsWith('.') && !component.endsWith('.lock'))
  );
}

// Docker's reference grammar (github.com/distribution/reference, regexp.go).
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = 'sha256:[0-9a-f]{64}';

/** `[domain[:port]/]path[:tag][@sha256:digest]`; the first group is the name. */
const IMAGE_REFERENCE_RE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);

/** Docker refuses names (domain and path) longer than this. */
const IMAGE_NAME_MAX = 255;

/** A Docker image reference such as ghcr.io/owner/esp32-devel:1.0 or registry:5000/a/b@sha256:…. */
export function isImageReference(reference: string): boolean {
  const m = IMAGE_REFERENCE_RE.exec(reference);
  return m !== null && m[1].length <= IMAGE_NAME_MAX;
}

/** `[domain[:port]/]path`: a repository, with neither tag nor digest. */
const IMAGE_REPOSITORY_RE = new RegExp(`^${NAME}$`);

/** A repository such as ghcr.io/owner/esp32-devel: an image reference without tag or digest. */
export function isImageRepository(name: string): boolean {
  return name.length <= IMAGE_NAME_MAX && IMAGE_REPOSITORY_RE.test(name);
}

/** An image digest as Docker writes it: sha256: and 64 lowercase hexadecimal digits. */
export function isImageDigest(digest: string): boolean {
  return new RegExp(`^${DIGEST}$`).test(digest);
}

/** Docker network names: host, bridge, a user-defined network; never `container:<id>`. */
const NETWORK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function isNetworkName(name: string): boolean {
  return NETWORK_NAME_RE.test(name);
}

/** A make target such as all or deploy: never an option, never a variable assignment. */
const MAKE_TARGET_RE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

export function isMakeTarget(target: string): boolean {
  return MAKE_TARGET_RE.test(target);
}

const SHA256_RE = /^[0-9a-f]{64}$/;

/** A SHA-256 checksum as sha256sum prints it: 64 lowercase hexadecimal digits. */
export function isSha256(value: string): boolean {
  return SHA256_RE.test(value);
}

/** A Docker build argument's name. */
export function isBuildArgName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/**
 * A mirror's base URL: http(s), and nothing that ESP-IDF's mirror map
 * (`regex,replacement;…`) or a regex replacement would read as syntax.
 */
export function isMirrorUrl(url: string): boolean {
  return /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~%/+=@-]*)?$/.test(url);
}

/**
 * The host of a repository URL: a DNS name or IPv4 address, or an IPv6
 * address in brackets. Never led by '-', so ssh cannot read it as an option
 * (`ssh://-oProxyCommand=…`).
 */
export function isRepoHost(host: string): boolean {
  return /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(host) || /^\[[0-9A-Fa-f:.]+\]$/.test(host);
}

/** The user of an ssh URL (`git` in git@host:path): never led by '-' either. */
export function isRepoUser(user: string): boolean {
  return /^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(user);
}
