/**
 * The board's port and the flasher that writes it: the container (the port
 * passed in, checked on the host as the device would check the container) or
 * this machine (esptool-js over serialport).
 */
import type { FlashOverrides } from '../flash/flash-args.js';
import type { ParsedArgs } from './args.js';
import { stringOption, UsageError, type CommandName } from './args.js';
import {
  containerConflict,
  defaultFlasher,
  flashOverrides,
  hostPortNote,
  hostPortProblem,
  noPortMessage,
  requestedFlasher,
  type Flasher,
  type Platform
} from './flasher.js';
import type { SerialChoice } from './goals.js';
import { currentUser, devNames, portFacts } from './host.js';
import { listedBoardPort } from './port-list.js';
import {
  choosePort,
  groupGrantNote,
  isNetworkPort,
  isPseudoTerminal,
  platformProblem,
  portProblem,
  SerialError,
  serialAttachment,
  type PortFacts
} from './serial.js';
import type { TerminalProgress } from './terminal.js';

/** Host flashing's port and options. */
export interface HostPort {
  /** As the host names it. */
  port: string;
  /** A pseudo-terminal: no DTR/RTS, so no reset. */
  pty: boolean;
  overrides: FlashOverrides;
}

export interface BoardChoice {
  flasher: Flasher;
  serial?: SerialChoice;
  host?: HostPort;
}

interface PortContext {
  args: ParsedArgs;
  terminal: TerminalProgress;
}

/** The port and flasher of deploy and erase; `make` always uses the container. */
export async function chooseBoard(
  ctx: PortContext,
  command: CommandName,
  platform: Platform = process.platform
): Promise<BoardChoice> {
  const { options } = ctx.args;
  // Mistakes on the command line first, before the port is looked at.
  const asked = command === 'make' ? 'container' : requestedFlasher(options, command);
  const overrides = command === 'make' ? {} : flashOverrides(options, command);
  const { requested, chosen } = await findPort(ctx, platform);
  const local = chosen !== undefined && platform === 'linux' && !isNetworkPort(chosen);
  const facts = local ? await portFacts(chosen) : undefined;
  const fallback = defaultFlasher(platform, chosen);
  const flasher = asked ?? fallback.flasher;
  if (!asked && fallback.why) ctx.terminal.log.info(`${fallback.why} (--flasher host).`);
  const conflict = containerConflict(options, flasher);
  if (conflict) throw new UsageError(conflict, command);
  if (flasher === 'host') {
    return { flasher, host: { ...hostPort(ctx, platform, chosen, facts), overrides } };
  }
  return { flasher, serial: await containerSerial(ctx, platform, requested, chosen, facts) };
}

/** The port named (--port, else $ESPPORT), and the one to use: that, or one found on this platform. */
export async function findPort(
  ctx: PortContext,
  platform: Platform
): Promise<{ requested?: string; chosen?: string }> {
  const requested = stringOption(ctx.args.options, 'port') ?? (process.env.ESPPORT || undefined);
  const chosen =
    requested || platform === 'linux'
      ? choosePort(requested, platform === 'linux' ? devNames() : [])
      : await listedBoardPort(platform, ctx.terminal.log);
  return { requested, chosen };
}

/**
 * Refuses a port this process cannot open itself (host flashing, the
 * monitor): a name the platform does not use, or (on Linux, with its facts)
 * one this user may not open; warns of a name that works badly.
 */
export function checkHostPort(
  ctx: PortContext,
  platform: Platform,
  port: string,
  facts: PortFacts | undefined
): void {
  const problem = hostPortProblem(platform, port) ?? (facts && portProblem(facts, currentUser(), 'host'));
  if (problem) throw new SerialError(problem);
  const note = hostPortNote(platform, port);
  if (note) ctx.terminal.warning(note);
}

function hostPort(
  ctx: PortContext,
  platform: Platform,
  chosen: string | undefined,
  facts: PortFacts | undefined
): Omit<HostPort, 'overrides'> {
  if (!chosen) throw new SerialError(noPortMessage(platform));
  checkHostPort(ctx, platform, chosen, facts);
  const pty = facts ? isPseudoTerminal(facts.realPath ?? chosen, facts.major) : false;
  ctx.terminal.log.info(`Board on ${chosen}${pty ? ' (a pseudo-terminal)' : ''}, flashed from this machine`);
  return { port: chosen, pty };
}

/** The board's port, checked on the host as the device would check the container. */
async function containerSerial(
  ctx: PortContext,
  platform: Platform,
  requested: string | undefined,
  chosen: string | undefined,
  facts: PortFacts | undefined
): Promise<SerialChoice> {
  const problem = platformProblem(platform as NodeJS.Platform, chosen ?? requested);
  if (problem) throw new SerialError(problem);
  if (!chosen) throw new SerialError(noPortMessage(platform));
  if (isNetworkPort(chosen)) return { port: chosen, name: chosen };
  const known = facts ?? (await portFacts(chosen));
  const user = currentUser();
  const refusal = portProblem(known, user, 'container');
  if (refusal) throw new SerialError(refusal);
  const granted = groupGrantNote(known, user, 'container');
  if (granted) ctx.terminal.log.info(granted);
  const attachment = serialAttachment(known);
  ctx.terminal.log.info(
    `Board on ${chosen}${attachment.kind === 'bind' ? ` (a pseudo-terminal, mounted as ${attachment.container})` : ''}, group ${known.groupName ?? known.gid}`
  );
  return { attachment, port: attachment.container, name: chosen };
}
