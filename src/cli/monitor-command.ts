/** esp32-build monitor, and deploy --monitor: the serial console on this machine. */
import { EXIT_KEY_NAME, LINE_ENDINGS, monitorBanner, runMonitor, type LineEnding } from '../flash/monitor.js';
import { openMonitorPort } from '../flash/open-port.js';
import { stringOption, UsageError } from './args.js';
import type { CommandContext } from './commands.js';
import { checkHostPort, findPort } from './board-port.js';
import { noPortMessage, type Platform } from './flasher.js';
import { portFacts } from './host.js';
import { BAUD_PATTERN, isNetworkPort, SerialError } from './serial.js';

/** MicroPython's REPL speed. */
export const MONITOR_BAUD = 115200;

/** --eol, checked. Pure. */
export function lineEnding(value: string | undefined): LineEnding {
  if (value === undefined) return 'CR';
  const upper = value.toUpperCase();
  if (upper in LINE_ENDINGS) return upper as LineEnding;
  throw new UsageError(`--eol must be CR, LF or CRLF (got '${value}').`, 'monitor');
}

/** The monitor's port: the one given or found, checked as this user opens it. */
async function monitorPort(ctx: CommandContext): Promise<string> {
  const platform = process.platform as Platform;
  const { chosen } = await findPort(ctx, platform);
  if (!chosen) throw new SerialError(noPortMessage(platform));
  if (isNetworkPort(chosen)) return chosen;
  checkHostPort(ctx, platform, chosen, platform === 'linux' ? await portFacts(chosen) : undefined);
  return chosen;
}

/** Runs the monitor until its exit key; the exit code. */
export async function monitorCommand(ctx: CommandContext, baudOption = true): Promise<number> {
  const port = await monitorPort(ctx);
  const given = baudOption ? stringOption(ctx.args.options, 'baud') : undefined;
  if (given !== undefined && !BAUD_PATTERN.test(given)) {
    throw new UsageError(
      `--baud must be a number of bits per second such as 115200, got '${given}'.`,
      'monitor'
    );
  }
  const baud = given ? Number(given) : MONITOR_BAUD;
  const eol = lineEnding(stringOption(ctx.args.options, 'eol'));
  const opened = await openMonitorPort(port, baud);
  ctx.terminal.close();
  process.stderr.write(`${monitorBanner(port, baud)}\n`);
  const code = await runMonitor(
    opened,
    { input: process.stdin, output: process.stdout, note: (line) => process.stderr.write(`\n${line}\n`) },
    { eol, signal: ctx.signal }
  );
  process.stderr.write(`\n--- Monitor closed (${code === 0 ? EXIT_KEY_NAME : `exit ${code}`}) ---\n`);
  return code;
}
