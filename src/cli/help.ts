/** The CLI's help texts, made from the commands' and options' specifications. Pure. */
import { COMMAND_NAMES, COMMANDS, OPTIONS, type CommandName, type OptionSpec } from './args.js';

const WIDTH = 100;

function wrap(text: string, indent: number, width = WIDTH): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** The general help. Pure. */
export function generalHelp(): string {
  const width = Math.max(...COMMAND_NAMES.map((name) => name.length)) + 2;
  return [
    'Usage: esp32-build <command> [options]',
    '',
    'Build MicroPython for ESP32 in a Docker container, with the toolchain and',
    'ESP-IDF kept in ~/esp32-devel (the same pipeline as the GitHub Action).',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((name) => `  ${name.padEnd(width)}${wrap(COMMANDS[name].summary, width + 2)}`),
    '',
    "Run 'esp32-build <command> --help' for a command's options."
  ].join('\n');
}

/** One command's help. Pure. */
export function commandHelp(command: CommandName): string {
  const spec = COMMANDS[command];
  const label = (o: OptionSpec) =>
    `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}${o.kind === 'list' ? ' …' : ''}`;
  const options = spec.options.map((name) => OPTIONS[name]);
  const width = Math.max(...options.map((o) => label(o).length)) + 2;
  return [
    `Usage: esp32-build ${spec.usage}`,
    '',
    wrap(`${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.`, 0),
    ...(spec.details ? ['', wrap(spec.details, 0)] : []),
    '',
    'Options:',
    ...options.map((o) => `  ${label(o).padEnd(width)}${wrap(o.help, width + 2)}`)
  ].join('\n');
}
