/**
 * The CLI's top level: parse, run one command, turn errors into messages and
 * exit codes (2 for a usage mistake, 1 for anything else, 130 on Ctrl-C).
 */
import { parseCommandLine, UsageError, type CommandLine } from './args.js';
import { commandHelp, generalHelp } from './help.js';
import {
  buildingCommand,
  doctorCommand,
  imageCommand,
  resolveCommand,
  type CommandContext
} from './commands.js';
import { painter, useColour } from './format.js';
import { handleInterrupts } from './interrupt.js';
import { withFaultHints } from '../diagnostics.js';
import { monitorCommand } from './monitor-command.js';
import { redact } from '../secrets.js';
import { develRoot } from './store.js';
import { TerminalProgress } from './terminal.js';

/**
 * The user's directory. Under this package's own `npm run local-build` /
 * `local-deploy` that is INIT_CWD, since npm changes into the package first;
 * anywhere else (another package's script that cd's somewhere) the real one. Pure.
 */
export function userDirectory(env: NodeJS.ProcessEnv, cwd: string): string {
  const ours =
    env.npm_package_name === 'esp32-micropython-build' && /^local-/.test(env.npm_lifecycle_event ?? '');
  return ours && env.INIT_CWD ? env.INIT_CWD : cwd;
}

/** Runs the command line; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const stderr = process.stderr;
  const colour = useColour(stderr.isTTY === true, process.env);
  const paint = painter(colour);

  let parsed: CommandLine;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(
      `${paint('red', 'error:')} ${error.message}\n\n${error.command ? commandHelp(error.command) : generalHelp()}\n`
    );
    return 2;
  }
  if (parsed.command === undefined) {
    process.stdout.write(`${generalHelp()}\n`);
    return 0;
  }
  if (parsed.help) {
    process.stdout.write(`${commandHelp(parsed.command)}\n`);
    return 0;
  }

  const verbose = parsed.options.verbose === true;
  const terminal = new TerminalProgress({ err: stderr, verbose, colour });
  const root = develRoot();
  const interrupts = handleInterrupts({
    root,
    notify: (message) => stderr.write(`\n${paint('yellow', message)}\n`),
    close: () => terminal.close()
  });
  const ctx: CommandContext = {
    args: parsed,
    terminal,
    out: (text) => process.stdout.write(`${text}\n`),
    signal: interrupts.signal,
    paint: painter(useColour(process.stdout.isTTY === true, process.env)),
    root,
    cwd: userDirectory(process.env, process.cwd())
  };
  try {
    switch (parsed.command) {
      case 'resolve':
        return await resolveCommand(ctx);
      case 'image':
        return await imageCommand(ctx);
      case 'doctor':
        return await doctorCommand(ctx);
      case 'monitor':
        return await monitorCommand(ctx);
      default:
        return await buildingCommand(ctx, parsed.command);
    }
  } catch (error) {
    terminal.close();
    if (interrupts.interrupted) {
      await interrupts.cleanUp();
      return 130;
    }
    if (error instanceof UsageError) {
      terminal.error(redact(error.message));
      stderr.write(`\n${commandHelp(parsed.command)}\n`);
      return 2;
    }
    terminal.error(redact(withFaultHints((error as Error).message)));
    // A stack helps only with what nobody anticipated (our own errors say what to do).
    const unexpected = ['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError'].includes(
      (error as Error).name
    );
    if (verbose && unexpected && (error as Error).stack) terminal.line(paint('dim', (error as Error).stack!));
    return 1;
  } finally {
    terminal.close();
    interrupts.stop();
  }
}
