/** Decision: the board and variant to build, and the chip they are for. */
import { isBoardName } from '../../grammar.js';
import { BOARDS_DIR, ResolveError, TREE_FILES, type ResolveOptions, type TreeSnapshot } from './model.js';
import { boardVariants, cmakeTarget } from './read-boards.js';
import type { PortMakefile } from './read-makefile.js';

export interface BoardContext {
  snapshot: TreeSnapshot;
  port: PortMakefile;
  /** The board directories, sorted. */
  boards: string[];
  /** A make tree from before v1.12: no boards, one default configuration. */
  boardless: boolean;
  micropythonVersion: string | null;
}

export interface BoardChoice {
  /** '' for trees without boards. */
  board: string;
  boardVariant?: string;
  chip: string;
}

export function chooseBoard(context: BoardContext, options: ResolveOptions): BoardChoice {
  const requestedBoard = requestedName('board', options.board);
  const requestedVariant = requestedName('board-variant', options.boardVariant);
  if (context.boardless) {
    refuseBoardsOfBoardless(requestedBoard, requestedVariant, context.micropythonVersion);
    return { board: '', chip: 'esp32' };
  }
  const board = existingBoard(requestedBoard, context);
  const boardVariant = requestedVariant ? existingVariant(requestedVariant, board, context) : undefined;
  const variantFile = boardVariant
    ? context.snapshot.files[`${BOARDS_DIR}/${board}/mpconfigvariant_${boardVariant}.cmake`]
    : undefined;
  const chip =
    cmakeTarget(context.snapshot, board, variantFile) ??
    cmakeTarget(context.snapshot, board, context.snapshot.boards[board]?.cmake) ??
    'esp32';
  const choice: BoardChoice = { board, chip };
  if (boardVariant) choice.boardVariant = boardVariant;
  return choice;
}

/** The trimmed name ('' when not given); throws when it could not be a board or variant. */
function requestedName(kind: 'board' | 'board-variant', value: string | undefined): string {
  const name = value?.trim() ?? '';
  if (name && !isBoardName(name)) {
    throw new ResolveError(`Invalid ${kind} "${name}": only letters, digits and underscores are allowed.`);
  }
  return name;
}

function refuseBoardsOfBoardless(board: string, variant: string, micropythonVersion: string | null): void {
  if (board && board !== 'GENERIC') {
    throw new ResolveError(
      `Board "${board}" cannot be built: this MicroPython (${micropythonVersion ?? 'unknown version'}) predates ` +
        'board definitions (added in v1.12) and only builds its one default configuration. Leave board empty.'
    );
  }
  if (variant) {
    throw new ResolveError('board-variant needs MicroPython v1.21 or later; this tree has no boards at all.');
  }
}

/** The board requested, or the tree's default; it must exist. */
function existingBoard(requested: string, { boards, port }: BoardContext): string {
  if (boards.length === 0) {
    throw new ResolveError(`No boards found: ${BOARDS_DIR} has no board directories.`);
  }
  const fallback = [port.defaultBoard, 'ESP32_GENERIC', 'GENERIC'].find(
    (name) => name !== undefined && boards.includes(name)
  );
  const board = requested || fallback || '';
  if (!board) {
    throw new ResolveError(
      `No default board (ESP32_GENERIC or GENERIC) in this tree; choose one of: ${boards.join(', ')}.`
    );
  }
  if (!boards.includes(board)) {
    throw new ResolveError(
      `Board "${board}" does not exist in this MicroPython tree (no ${BOARDS_DIR}/${board}). ` +
        `Boards: ${boards.join(', ')}.${renameHint(board, boards)}`
    );
  }
  return board;
}

function existingVariant(variant: string, board: string, { snapshot, port }: BoardContext): string {
  if (!port.hasBoardVariant) {
    throw new ResolveError(
      `board-variant "${variant}" cannot be used: this MicroPython's ${TREE_FILES.makefile} has no BOARD_VARIANT (added in v1.21).`
    );
  }
  const variants = boardVariants(snapshot, board);
  if (!variants.includes(variant)) {
    throw new ResolveError(
      variants.length
        ? `Board ${board} has no variant "${variant}". Variants: ${variants.join(', ')}.`
        : `Board ${board} has no variants; leave board-variant empty.`
    );
  }
  return variant;
}

function renameHint(board: string, boards: string[]): string {
  if (boards.includes(`ESP32_${board}`))
    return ` Boards were renamed in MicroPython v1.21: try ESP32_${board}.`;
  const spiram = /^GENERIC_(SPIRAM|D2WD|OTA|UNICORE)$/.exec(board);
  if (spiram && boards.includes('ESP32_GENERIC')) {
    return ` Since MicroPython v1.21 this is board ESP32_GENERIC with board-variant ${spiram[1]}.`;
  }
  const old = /^ESP32_(GENERIC\w*)$/.exec(board);
  if (old && boards.includes(old[1]))
    return ` This MicroPython predates the v1.21 board names: try ${old[1]}.`;
  return '';
}
