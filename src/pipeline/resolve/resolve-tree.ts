/**
 * The resolver: from the files of a MicroPython tree (read beforehand by
 * `readTreeSnapshot`) and the action's inputs to everything the build needs
 * to know: the ESP-IDF ref and the others the tree supports, the build system,
 * the standalone toolchain of legacy builds, the board, its chip and where the
 * firmware will appear.
 *
 * Pure: no file system, no processes. Every decision is made from the snapshot.
 */
import { checkChipSupport } from './check-chips.js';
import { chooseBoard, type BoardChoice } from './choose-board.js';
import { chooseIdfRef, treePins } from './choose-idf.js';
import { chooseToolchain } from './choose-toolchain.js';
import {
  PORT_DIR,
  ResolveError,
  TREE_FILES,
  type BuildSystem,
  type Resolution,
  type ResolveOptions,
  type TreeSnapshot
} from './model.js';
import { boardNames } from './read-boards.js';
import { readPortMakefile, type PortMakefile } from './read-makefile.js';
import { micropythonVersionOf } from './read-version.js';

export function resolveTree(snapshot: TreeSnapshot, options: ResolveOptions): Resolution {
  const buildSystem = portBuildSystem(snapshot);
  const warnings: string[] = [];
  const micropythonVersion = micropythonVersionOf(snapshot);
  const port = readPortMakefile(
    snapshot.files[TREE_FILES.makefile] ?? '',
    snapshot.files[TREE_FILES.mkrules] ?? ''
  );
  const boardless = buildSystem === 'make' && !port.hasBoard;
  const boards = boardNames(snapshot);
  const choice = chooseBoard({ snapshot, port, boards, boardless, micropythonVersion }, options);
  const chips = [choice.chip];

  const pins = treePins(snapshot, buildSystem, choice.chip, warnings);
  const { ref, pinSource } = chooseIdfRef(options.idfVersion, pins, warnings);
  checkChipSupport(ref, chips, choice.board, pins.supported, warnings);
  const toolchain = chooseToolchain(buildSystem, ref, options, warnings);

  const resolution: Resolution = {
    micropythonVersion,
    buildSystem,
    idf: { ref, supported: pins.supported.map((entry) => entry.ref), pinSource },
    toolchain,
    board: choice.board,
    boards,
    chips,
    buildDir: buildDirOf(choice, boardless, port),
    portSubmodules: port.submodules,
    warnings
  };
  if (choice.boardVariant) resolution.boardVariant = choice.boardVariant;
  return resolution;
}

/** A CMakeLists.txt means CMake, else the GNU Makefile; neither means no ESP32 port. */
function portBuildSystem(snapshot: TreeSnapshot): BuildSystem {
  if (snapshot.files[TREE_FILES.cmakeLists] !== undefined) return 'cmake';
  if (snapshot.files[TREE_FILES.makefile] !== undefined) return 'make';
  throw new ResolveError(
    `No ESP32 port found: looked for ${TREE_FILES.makefile} (and ${TREE_FILES.cmakeLists}) in the MicroPython tree. ` +
      'Either this is not a MicroPython checkout, or it is older than v1.9.4, the first release with ports/esp32. ' +
      'MicroPython v1.9.4 or later is needed.'
  );
}

/** Where the firmware appears, relative to the tree root. */
function buildDirOf({ board, boardVariant }: BoardChoice, boardless: boolean, port: PortMakefile): string {
  if (boardless) return `${PORT_DIR}/build`;
  if (boardVariant && port.variantBuildDir) return `${PORT_DIR}/build-${board}-${boardVariant}`;
  return `${PORT_DIR}/build-${board}`;
}
