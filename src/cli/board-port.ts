/** The board's serial port, as the deploy and erase commands choose and check it (side effects: the host's devices). */
import { stringOption } from './args.js';
import type { CommandContext } from './commands.js';
import type { SerialChoice } from './goals.js';
import { currentUser, devNames, portFacts } from './host.js';
import {
  choosePort,
  groupGrantNote,
  isNetworkPort,
  platformProblem,
  portProblem,
  SerialError,
  serialAttachment
} from './serial.js';

/** The board's port, checked on the host as the device would check the container. */
export async function chooseSerial(ctx: Pick<CommandContext, 'args' | 'terminal'>): Promise<SerialChoice> {
  const requested = stringOption(ctx.args.options, 'port') ?? (process.env.ESPPORT || undefined);
  const chosen = choosePort(requested, process.platform === 'linux' ? devNames() : []);
  const platform = platformProblem(process.platform, chosen ?? requested);
  if (platform) throw new SerialError(platform);
  if (!chosen) {
    throw new SerialError(
      'No serial port found: no /dev/ttyUSB* or /dev/ttyACM*. Plug the board in (dmesg | tail names the port it gets) or give one with --port.'
    );
  }
  if (isNetworkPort(chosen)) return { port: chosen, name: chosen };
  const facts = await portFacts(chosen);
  const user = currentUser();
  const problem = portProblem(facts, user, 'container');
  if (problem) throw new SerialError(problem);
  const note = groupGrantNote(facts, user, 'container');
  if (note) ctx.terminal.log.info(note);
  const attachment = serialAttachment(facts);
  ctx.terminal.log.info(
    `Board on ${chosen}${attachment.kind === 'bind' ? ` (a pseudo-terminal, mounted as ${attachment.container})` : ''}, group ${facts.groupName ?? facts.gid}`
  );
  return { attachment, port: attachment.container, name: chosen };
}
