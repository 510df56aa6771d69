/** Readers: the boards of a tree, their variants and the chip each is for. */
import { isBoardName } from '../../grammar.js';
import { BOARDS_DIR, PORT_DIR, type TreeSnapshot } from './model.js';

export function boardNames(snapshot: TreeSnapshot): string[] {
  return Object.keys(snapshot.boards).filter(isBoardName).sort();
}

const CMAKE_VAR_PATH = /^\$\{(MICROPY_BOARD_DIR|MICROPY_PORT_DIR|CMAKE_CURRENT_LIST_DIR)\}\/?/;

/** The IDF_TARGET a board's cmake text sets, following include()s of files the snapshot holds. */
export function cmakeTarget(
  snapshot: TreeSnapshot,
  board: string,
  text: string | undefined,
  depth = 0
): string | undefined {
  if (!text || depth > 4) return undefined;
  const direct = /^\s*set\s*\(\s*IDF_TARGET\s+"?([A-Za-z0-9_]+)"?\s*\)/m.exec(text);
  if (direct) return direct[1];
  for (const m of text.matchAll(/^\s*include\s*\(\s*"?([^")\s]+)"?/gm)) {
    const raw = m[1];
    const base = raw.split('/').pop() ?? raw;
    const varMatch = CMAKE_VAR_PATH.exec(raw);
    const rest = raw.replace(CMAKE_VAR_PATH, '');
    const candidates =
      varMatch?.[1] === 'MICROPY_BOARD_DIR' || varMatch?.[1] === 'CMAKE_CURRENT_LIST_DIR'
        ? [`${BOARDS_DIR}/${board}/${rest}`]
        : [`${PORT_DIR}/${rest}`, `${BOARDS_DIR}/${board}/${base}`, `${BOARDS_DIR}/${base}`];
    const path = candidates.find((candidate) => snapshot.files[candidate] !== undefined);
    const nested = path ? cmakeTarget(snapshot, board, snapshot.files[path], depth + 1) : undefined;
    if (nested) return nested;
    const byName = /mpconfigboard_(esp32[a-z0-9]*)_common\.cmake$/.exec(base);
    if (byName) return byName[1];
  }
  return undefined;
}

export function boardVariants(snapshot: TreeSnapshot, board: string): string[] {
  const entry = snapshot.boards[board];
  const names = new Set(entry?.variants ?? []);
  // v1.21 to v1.23 define variants inside mpconfigboard.cmake.
  for (const m of (entry?.cmake ?? '').matchAll(/MICROPY_BOARD_VARIANT\s+STREQUAL\s+"?([A-Za-z0-9_]+)"?/g)) {
    names.add(m[1]);
  }
  return [...names].filter(isBoardName).sort();
}
