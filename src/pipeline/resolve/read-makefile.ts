/** Reader: what the port's Makefile says about boards, build directories and submodules. */

export interface PortMakefile {
  /** `BOARD ?=`: the tree has boards (v1.12 on); older make trees build one configuration. */
  hasBoard: boolean;
  /** The board `BOARD ?=` names. */
  defaultBoard?: string;
  /** Whether BOARD_VARIANT exists (v1.21 on). */
  hasBoardVariant: boolean;
  /** Whether a variant builds into `build-BOARD-VARIANT` rather than `build-BOARD`. */
  variantBuildDir: boolean;
  /** Whether `make submodules` exists, in the Makefile or the py/mkrules.mk it includes. */
  submodules: boolean;
}

/** `makefile` is '' for trees without one (CMake only). */
export function readPortMakefile(makefile: string, mkrules: string): PortMakefile {
  const facts: PortMakefile = {
    hasBoard: /^\s*BOARD\s*\?=/m.test(makefile),
    hasBoardVariant: makefile.includes('BOARD_VARIANT'),
    variantBuildDir: makefile.includes('build-$(BOARD)-$(BOARD_VARIANT)'),
    submodules:
      /^submodules\s*:/m.test(makefile) ||
      (/^\s*include\s+\S*py\/mkrules\.mk\s*$/m.test(makefile) && /^submodules\s*:/m.test(mkrules))
  };
  const defaultBoard = /^\s*BOARD\s*\?=\s*([A-Za-z0-9_]+)\s*$/m.exec(makefile)?.[1];
  if (defaultBoard !== undefined) facts.defaultBoard = defaultBoard;
  return facts;
}
