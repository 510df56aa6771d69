/**
 * The host flash plan from the files of a tree and its build: the CMake
 * build's flasher_args.json, or the legacy port Makefile (with the board's
 * mpconfigboard.mk and makeimg.py). Reads files; decides nothing itself.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FlashError, planFromFlasherArgs, type FlashOverrides } from './flash-args.js';
import { makefileBaud, planFromMakefile } from './legacy-deploy.js';
import { ROM_BAUD, writePlan, type HostFlashPlan } from './plan.js';

/** What is known of the build before it runs. */
export interface BuildFacts {
  tree: string;
  /** Relative to the tree. */
  buildDir: string;
  buildSystem: 'make' | 'cmake';
  chip: string;
  board: string;
  /** make's extra arguments (NAME=value may override the Makefile's variables). */
  makeArgs: readonly string[];
}

/** `make deploy`'s and `idf.py flash`'s speed when none is given. */
export const DEFAULT_BAUD = 460800;
const PORT_DIR = 'ports/esp32';

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The baud rate: given, else the port Makefile's BAUD, else 460800. */
export async function flashBaud(given: string | undefined, facts: BuildFacts): Promise<number> {
  if (given) return Number(given);
  const makefile = (await readText(path.join(facts.tree, PORT_DIR, 'Makefile'))) ?? '';
  return makefileBaud(makefile, facts.makeArgs) ?? DEFAULT_BAUD;
}

/**
 * The write plan of a build. `built`: the build has run, so its files must be
 * there; a dry run before it says where the images will be read from.
 */
export async function planHostWrite(
  base: { port: string; baud: number },
  facts: BuildFacts,
  overrides: FlashOverrides,
  built: boolean
): Promise<HostFlashPlan> {
  const buildDir = path.resolve(facts.tree, facts.buildDir);
  if (facts.buildSystem === 'cmake') {
    const file = path.join(buildDir, 'flasher_args.json');
    const text = await readText(file);
    if (text === undefined) {
      if (built) {
        throw new FlashError(
          `No flasher_args.json in ${buildDir}: build first (esp32-build build), then flash. An ESP-IDF build writes it beside the firmware.`
        );
      }
      return {
        kind: 'write',
        ...base,
        romBaud: ROM_BAUD,
        chip: facts.chip,
        before: overrides.before ?? 'default_reset',
        after: overrides.after ?? 'hard_reset',
        buildDir,
        pending: `as ${file} names them, read after the build (it does not exist yet)`
      };
    }
    return writePlan(base, buildDir, planFromFlasherArgs(text, file, facts.chip, overrides));
  }
  const portDir = path.join(facts.tree, PORT_DIR);
  const makefilePath = path.join(portDir, 'Makefile');
  const makefile = await readText(makefilePath);
  if (makefile === undefined)
    throw new FlashError(`No ${makefilePath}: is ${facts.tree} a MicroPython tree?`);
  const settings = planFromMakefile(
    {
      makefile,
      boardMk: facts.board
        ? ((await readText(path.join(portDir, 'boards', facts.board, 'mpconfigboard.mk'))) ?? '')
        : '',
      makeimg: await readText(path.join(portDir, 'makeimg.py')),
      makeArgs: facts.makeArgs,
      source: makefilePath
    },
    overrides
  );
  return writePlan(base, buildDir, settings);
}
