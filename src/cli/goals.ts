/**
 * What each command asks of the pipeline, as a goal: pure decisions over the
 * command line, the tree and the chosen serial port.
 */
import path from 'node:path';
import type { Inputs } from '../inputs.js';
import { boardArgs, type SerialAttachment } from '../pipeline/build.js';
import type { Goal } from '../pipeline/goal.js';
import { PORT_DIR } from '../pipeline/resolve/index.js';
import type { CommandName } from './args.js';
import { serialMakeArgs } from './serial.js';

export interface SerialChoice {
  attachment?: SerialAttachment;
  /** The port as the container sees it. */
  port: string;
  /** The port as it was named or found on the host. */
  name: string;
}

/** BOARD= / BOARD_VARIANT= given to `make` choose the board the resolution is for. Pure. */
export function boardFromMakeArgs(args: readonly string[]): { board?: string; boardVariant?: string } {
  const value = (name: string) =>
    [...args]
      .reverse()
      .find((a) => a.startsWith(`${name}=`))
      ?.slice(name.length + 1);
  return { board: value('BOARD'), boardVariant: value('BOARD_VARIANT') };
}

export type BuildingCommand = Exclude<CommandName, 'resolve' | 'image' | 'doctor' | 'monitor'>;

/** What a command asks of the pipeline. Pure. */
export function goalFor(
  command: BuildingCommand,
  where: { tree: string; cwd: string },
  makeArgs: string[],
  serial: SerialChoice | undefined,
  baud: string | undefined,
  flasher: 'host' | 'container' = 'container'
): Goal {
  const portDir = path.join(where.tree, PORT_DIR);
  const onBoard = (target: string) => ({
    cwd: portDir,
    board: true,
    args: [...(serial ? serialMakeArgs(serial.port, baud) : []), target],
    serial: serial?.attachment
  });
  switch (command) {
    case 'setup':
      return { kind: 'setup' };
    case 'build':
      return { kind: 'build' };
    case 'deploy':
      // Flashed from this machine after the build, not by a container.
      if (flasher === 'host') return { kind: 'build' };
      return { kind: 'build', then: { title: `Deploy to ${serial?.name}`, ...onBoard('deploy') } };
    case 'erase':
      return { kind: 'make', step: { title: 'Erase the flash', ...onBoard('erase') } };
    case 'make':
      return {
        kind: 'make',
        step: {
          title: `make ${makeArgs.join(' ')}`.trim(),
          cwd: where.cwd,
          args: makeArgs,
          serial: serial?.attachment
        }
      };
  }
}

/** The arguments of `esp32-build make -- ARGS`: the board, port and baud options added. Pure. */
export function aliasMakeArgs(
  rest: readonly string[],
  inputs: Pick<Inputs, 'board' | 'boardVariant'>,
  boardGiven: boolean,
  serial: SerialChoice | undefined,
  baud: string | undefined
): string[] {
  const args = [...rest];
  if (boardGiven)
    args.unshift(...boardArgs({ board: inputs.board ?? '', boardVariant: inputs.boardVariant }));
  if (serial && !args.some((a) => a.startsWith('PORT=')))
    args.push(...serialMakeArgs(serial.port, undefined));
  if (baud && !args.some((a) => a.startsWith('BAUD='))) args.push(`BAUD=${baud}`);
  return args;
}
