import type { SerialAttachment } from './build.js';

/** One `make` in the container after everything is prepared (deploy, erase, the `esp32` alias). */
export interface MakeStep {
  /** What the progress shows for it. */
  title: string;
  /** Where make runs: inside the tree. */
  cwd: string;
  /** make's arguments. */
  args: string[];
  /** Put the resolved BOARD= and BOARD_VARIANT= before `args`. */
  board?: boolean;
  /** The board on a serial port. */
  serial?: SerialAttachment;
}

/**
 * What the user asked for. The pipeline plans it, then executes the plan:
 * - setup: prepare the image, the toolchain and ESP-IDF with its tools;
 * - build: that, then build the firmware, then optionally one more make (deploy);
 * - make: prepare, then one make (erase, or anything in a directory of the tree).
 */
export type Goal = { kind: 'setup' } | { kind: 'build'; then?: MakeStep } | { kind: 'make'; step: MakeStep };
