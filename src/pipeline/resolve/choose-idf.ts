/**
 * Decisions: which ESP-IDF refs a tree supports, which one `auto` builds
 * with, and what an explicit idf-version means and how it compares.
 */
import { isIdfRef } from '../../grammar.js';
import {
  compareIdfVersions,
  findKnownIdfCommit,
  isCommitHash,
  parseIdfVersion,
  sameIdfVersion,
  type IdfVersion
} from '../../idf-versions.js';
import { ResolveError, TREE_FILES, type BuildSystem, type TreeSnapshot } from './model.js';
import {
  ciShPins,
  idfTagSpelling,
  lockfilePins,
  makefilePins,
  named,
  readmeIdfVersions,
  workflowPins,
  type NamedRef
} from './read-idf-pins.js';

/** What a tree says about ESP-IDF. */
export interface TreePins {
  /** The ref `auto` builds with, when the tree pins one. */
  pin?: NamedRef;
  /** Every ref the tree names, newest first, each once. */
  supported: NamedRef[];
  /** The versions the port README names. */
  readme: NamedRef[];
}

export interface IdfChoice {
  ref: string;
  pinSource: string;
}

/**
 * At most this many refs reach the supported-idf-versions output (a matrix
 * job per entry): the newest, and the pin whatever its place.
 */
export const SUPPORTED_IDF_MAX = 32;

/** How much of a refused ref a warning shows. */
const SHOWN_MAX = 60;

/**
 * Whether a ref read from the tree may be used: it must pass the grammar of
 * the idf-version input, since it reaches git's command line and the
 * idf-version and supported-idf-versions outputs, which later steps may
 * interpolate into a shell. One that does not is dropped with a warning.
 */
export function acceptTreeRef(entry: NamedRef, warnings: string[]): boolean {
  if (isIdfRef(entry.ref)) return true;
  const shown = entry.ref.length > SHOWN_MAX ? `${entry.ref.slice(0, SHOWN_MAX)}…` : entry.ref;
  warnings.push(
    `Ignored the ESP-IDF ref ${JSON.stringify(shown)} in ${entry.source}: it is not a tag, branch or commit ` +
      'as idf-version accepts them.'
  );
  return false;
}

/** The newest `max` refs, with the pin kept in place of the oldest when it would fall off. */
export function capSupported(
  supported: NamedRef[],
  pin: NamedRef | undefined,
  warnings: string[],
  max = SUPPORTED_IDF_MAX
): NamedRef[] {
  if (supported.length <= max) return supported;
  warnings.push(
    `This tree names ${supported.length} ESP-IDF refs; supported-idf-versions keeps the ${max} newest` +
      `${pin ? ` and the pin (${pin.ref})` : ''}.`
  );
  const kept = supported.slice(0, max);
  if (pin && !kept.some((entry) => dedupeKey(entry) === dedupeKey(pin))) kept[max - 1] = pin;
  return kept;
}

/**
 * Every ESP-IDF ref the tree names, and its pin; the lockfiles count for CMake
 * trees only, chosen by the board's chip. Refs that fail the idf-version
 * grammar are dropped with a warning, and the list is capped.
 */
export function treePins(
  snapshot: TreeSnapshot,
  buildSystem: BuildSystem,
  chip: string,
  warnings: string[]
): TreePins {
  const files = snapshot.files;
  const ok = (entry: NamedRef | undefined): entry is NamedRef =>
    entry !== undefined && acceptTreeRef(entry, warnings);
  const lock = (buildSystem === 'cmake' ? lockfilePins(snapshot, chip) : []).filter(ok);
  const ci = ciShPins(files[TREE_FILES.ciSh]);
  const pinned = ci.pinned.filter(ok);
  const helpers = ci.helpers.filter(ok);
  const suphash = makefilePins(files[TREE_FILES.makefile]);
  const [v3, single, v4] = [suphash.v3, suphash.single, suphash.v4].map((e) => (ok(e) ? e : undefined));
  const workflow = workflowPins(files[TREE_FILES.workflow]);
  const [newest, oldest] = [workflow.newest, workflow.oldest].map((e) => (ok(e) ? e : undefined));
  const readme = readmeIdfVersions(files[TREE_FILES.readme])
    .map((ref) => named(ref, TREE_FILES.readme))
    .filter(ok);

  // Authority order for `auto`: the pin MicroPython's own CI builds with.
  const pin: NamedRef | undefined =
    lock[0] ?? newestFirst(pinned)[0] ?? newestFirst(helpers)[0] ?? v3 ?? single ?? v4 ?? newest;

  const allNamed: NamedRef[] = [
    ...lock,
    ...pinned,
    ...helpers,
    ...[v3, single, v4, newest, oldest].filter((entry): entry is NamedRef => entry !== undefined),
    ...readme
  ];
  const seen = new Set<string>();
  const supported = newestFirst(allNamed).filter((entry) => {
    const key = dedupeKey(entry);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { pin, supported: capSupported(supported, pin, warnings), readme };
}

/** Newest first; refs whose version is unknown go last, in the order found. */
function newestFirst(refs: NamedRef[]): NamedRef[] {
  return refs
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => {
      const va = a.entry.version;
      const vb = b.entry.version;
      if (va && vb) return compareIdfVersions(vb, va) || a.index - b.index;
      if (va) return -1;
      if (vb) return 1;
      return a.index - b.index;
    })
    .map(({ entry }) => entry);
}

function dedupeKey(entry: NamedRef): string {
  if (isCommitHash(entry.ref)) return `hash:${entry.ref.toLowerCase()}`;
  const v = entry.version;
  if (!v) return `ref:${entry.ref}`;
  return `v:${v.major}.${v.minor}.${v.patch}-${v.pre ?? ''}-${v.branch}`;
}

/** The ref to build with: the tree's pin for 'auto' (or an empty input), else the input's ref. */
export function chooseIdfRef(input: string, pins: TreePins, warnings: string[]): IdfChoice {
  const auto = !input || input.trim().toLowerCase() === 'auto';
  return auto ? autoRef(pins, warnings) : inputRef(input, pins.supported, warnings);
}

function autoRef({ pin, readme }: TreePins, warnings: string[]): IdfChoice {
  if (pin) return { ref: pin.ref, pinSource: pin.source };
  if (readme.length) {
    const ref = newestFirst(readme)[0].ref;
    warnings.push(
      `No ESP-IDF pin found in this tree (looked in the ESP-IDF lockfiles, ${TREE_FILES.ciSh}, ${TREE_FILES.makefile} ` +
        `and ${TREE_FILES.workflow}); using ${ref}, the newest version ${TREE_FILES.readme} names. ` +
        'Set idf-version to choose another.'
    );
    return { ref, pinSource: TREE_FILES.readme };
  }
  throw new ResolveError(
    `Cannot tell which ESP-IDF this MicroPython needs: no pin in the ESP-IDF lockfiles, ${TREE_FILES.ciSh}, ` +
      `${TREE_FILES.makefile} or ${TREE_FILES.workflow}, and ${TREE_FILES.readme} names no version. Set idf-version.`
  );
}

function inputRef(input: string, supported: NamedRef[], warnings: string[]): IdfChoice {
  const ref = normaliseInputRef(input);
  const given = input.trim();
  if (ref !== given && ref !== `v${given}` && !isCommitHash(given)) {
    warnings.push(`idf-version ${given} means the ESP-IDF tag ${ref} (ESP-IDF does not tag .0 releases).`);
  }
  const match = supported.find((entry) => sameRef(ref, entry.ref));
  if (!match) {
    warnings.push(
      supported.length
        ? `ESP-IDF ${ref} is not one this MicroPython names as supported (${supported.map((entry) => describeRef(entry.ref)).join(', ')}); the build may fail.`
        : `ESP-IDF ${ref} was chosen, but this MicroPython names no supported ESP-IDF version to check it against.`
    );
  } else if (match.experimental) {
    const v3 = supported.find((entry) => !entry.experimental);
    throw new ResolveError(
      `ESP-IDF ${describeRef(match.ref)} is the experimental V4 pin of this MicroPython's legacy Makefile, and it cannot build: ` +
        'that Makefile then demands pyparsing 2.3.1, which no supported image has. ' +
        `Use idf-version: auto${v3 ? ` (ESP-IDF ${describeRef(v3.ref)}, the V3 pin)` : ''}, or MicroPython v1.15 or later for ESP-IDF v4.`
    );
  }
  return { ref, pinSource: 'input' };
}

function normaliseInputRef(input: string): string {
  const ref = input.trim();
  if (!isIdfRef(ref)) {
    throw new ResolveError(
      `Invalid idf-version "${input}": give 'auto', an ESP-IDF tag (v5.2.2), a branch (release/v5.2) or a commit hash.`
    );
  }
  // An abbreviated hash of a commit MicroPython pinned: the full hash, which a shallow fetch needs.
  const known = findKnownIdfCommit(ref);
  if (known) return known.commit;
  // `5.2.2` means the tag v5.2.2, and `v5.2.0` the tag v5.2.
  return /^v?\d+\.\d+\.\d+(?:-[A-Za-z0-9]+)?$|^\d+\.\d+(?:-[A-Za-z0-9]+)?$/.test(ref)
    ? idfTagSpelling(ref)
    : ref;
}

/** The version a ref is exactly (a tag, or a pinned commit that is a tag), for comparing with the supported list. */
function exactVersion(ref: string): IdfVersion | null {
  const known = findKnownIdfCommit(ref);
  if (known) return known.describe === known.version ? parseIdfVersion(known.version) : null;
  return parseIdfVersion(ref);
}

export function sameRef(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  if (isCommitHash(a) && isCommitHash(b)) {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x.startsWith(y) || y.startsWith(x);
  }
  const va = exactVersion(a);
  const vb = exactVersion(b);
  return va !== null && vb !== null && sameIdfVersion(va, vb);
}

export function describeRef(ref: string): string {
  const known = findKnownIdfCommit(ref);
  return known ? `${ref.slice(0, 10)} (${known.describe})` : ref;
}
