/**
 * A legacy (GNU make, MicroPython ≤ v1.14) build's flash plan, read from the
 * port's own `make deploy` recipe: `esptool.py --chip esp32 … write_flash -z
 * --flash_mode $(FLASH_MODE) --flash_freq $(FLASH_FREQ) 0x1000 $^`, with the
 * variables as make sees them. Pure.
 */
import {
  AFTER,
  BEFORE,
  FLASH_MODES,
  FLASH_SIZES,
  FlashError,
  choiceProblem,
  parseOffset,
  type FlashImage,
  type FlashOverrides,
  type WriteSettings
} from './flash-args.js';

const ASSIGNMENT = /^\s*(?:override\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:=|\+=|=)\s*(.*?)\s*$/;
/** Stands for $(BUILD) while expanding, so that files can be made relative to the build directory. */
const BUILD = '\0BUILD\0';

/**
 * The variables as make sees them: the board's mpconfigboard.mk is included
 * before the Makefile's `?=` defaults, and NAME=value on the command line
 * wins over both. Only plain assignments are read (no conditionals). Pure.
 */
export function makeVariables(
  makefile: string,
  boardMk: string,
  makeArgs: readonly string[] = []
): Map<string, string> {
  const vars = new Map<string, string>();
  for (const text of [boardMk, makefile]) {
    for (const line of text.split('\n')) {
      const m = ASSIGNMENT.exec(line);
      if (!m || line.startsWith('\t')) continue;
      const [, name, op, value] = m;
      if (op === '?=' && vars.has(name)) continue;
      vars.set(name, op === '+=' && vars.has(name) ? `${vars.get(name)} ${value}` : value);
    }
  }
  for (const arg of makeArgs) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(arg);
    if (m) vars.set(m[1], m[2]);
  }
  return vars;
}

/** $(NAME) and ${NAME} expanded; $(BUILD) left as a marker. */
function expand(text: string, vars: Map<string, string>, depth = 0): string {
  if (depth > 10) return text;
  return text.replace(/\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]/g, (_, name: string) =>
    name === 'BUILD' ? BUILD : expand(vars.get(name) ?? '', vars, depth + 1)
  );
}

interface Rule {
  prerequisites: string[];
  recipe: string[];
}

/** A rule's prerequisites and recipe lines. Pure. */
export function makeRule(makefile: string, target: string): Rule | undefined {
  const lines = makefile.split('\n');
  const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = lines.findIndex((line) => new RegExp(`^${escaped}\\s*:(?!=)`).test(line));
  if (start < 0) return undefined;
  const prerequisites = lines[start]
    .slice(lines[start].indexOf(':') + 1)
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const recipe: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('\t')) break;
    recipe.push(line.trim());
  }
  return { prerequisites, recipe };
}

/** A path under $(BUILD), relative to the build directory. */
function buildRelative(word: string, where: string): string {
  if (!word.startsWith(`${BUILD}/`)) {
    throw new FlashError(`${where}: '${word}' is not a file of the build directory ($(BUILD)/…).`);
  }
  return word.slice(BUILD.length + 1);
}

/** What esptool.py's command line in the deploy recipe says. */
interface DeployLine {
  chip?: string;
  before?: string;
  after?: string;
  compress: boolean;
  flashMode?: string;
  flashFreq?: string;
  flashSize?: string;
  images: { offset: string; word: string }[];
}

const VALUE_FLAGS: Record<string, keyof DeployLine> = {
  '--chip': 'chip',
  '-c': 'chip',
  '--before': 'before',
  '--after': 'after',
  '--flash_mode': 'flashMode',
  '-fm': 'flashMode',
  '--flash_freq': 'flashFreq',
  '-ff': 'flashFreq',
  '--flash_size': 'flashSize',
  '-fs': 'flashSize'
};

/** esptool.py's arguments, as words. Pure. */
export function parseEsptoolLine(words: readonly string[]): DeployLine {
  const line: DeployLine = { compress: false, images: [] };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? word.split(/=(.*)/) : [word];
    const key = VALUE_FLAGS[flag];
    if (key) {
      (line as unknown as Record<string, string>)[key] = inline ?? words[++i];
    } else if (word === '-z' || word === '--compress') {
      line.compress = true;
    } else if (/^0x[0-9a-f]+$/i.test(word) && words[i + 1] !== undefined) {
      line.images.push({ offset: word, word: words[++i] });
    }
  }
  return line;
}

/** The files and facts a legacy build's plan is read from. */
export interface LegacySources {
  makefile: string;
  /** The board's mpconfigboard.mk ('' when there is none). */
  boardMk: string;
  /** makeimg.py, which places the application in firmware.bin (for --app-only). */
  makeimg?: string;
  makeArgs?: readonly string[];
  /** Names used in messages. */
  source: string;
}

function checkedValue(value: string, allowed: readonly string[], where: string): string {
  const problem = choiceProblem(where, value, allowed);
  if (problem) throw new FlashError(problem);
  return value;
}

/** The deploy recipe's esptool.py line, its words expanded. */
function deployLine(sources: LegacySources, vars: Map<string, string>): { line: DeployLine; rule: Rule } {
  const rule = makeRule(sources.makefile, 'deploy');
  const recipe = rule?.recipe.find((line) => /\bwrite_flash\b/.test(line));
  if (!rule || !recipe) {
    throw new FlashError(
      `${sources.source} has no deploy rule with esptool.py write_flash, so what to write is not known. Use --flasher container.`
    );
  }
  const prerequisites = rule.prerequisites.map((p) => expand(p, vars));
  const words = expand(recipe, vars)
    .split(/\s+/)
    .flatMap((word) => (word === '$^' ? prerequisites : word === '$<' ? prerequisites.slice(0, 1) : [word]));
  return { line: parseEsptoolLine(words), rule };
}

/** The plan of a legacy build, from the port Makefile's deploy recipe. Pure. */
export function planFromMakefile(sources: LegacySources, overrides: FlashOverrides = {}): WriteSettings {
  const vars = makeVariables(sources.makefile, sources.boardMk, sources.makeArgs);
  const { line } = deployLine(sources, vars);
  const where = `${sources.source} deploy`;
  const images: FlashImage[] = line.images.map(({ offset, word }) => {
    const file = buildRelative(word, where);
    return { name: file.replace(/\.bin$/, ''), offset: parseOffset(offset, where), file };
  });
  if (images.length === 0) throw new FlashError(`${where}: write_flash names no image.`);
  const plan: WriteSettings = {
    chip: line.chip ?? 'esp32',
    source: sources.source,
    images,
    flashMode: checkedValue(
      overrides.flashMode ?? line.flashMode ?? 'keep',
      FLASH_MODES,
      `${where} flash mode`
    ),
    flashFreq: line.flashFreq ?? 'keep',
    flashSize: checkedValue(
      overrides.flashSize ?? line.flashSize ?? 'detect',
      FLASH_SIZES,
      `${where} flash size`
    ),
    before: (overrides.before ??
      checkedValue(line.before ?? 'default_reset', BEFORE, `${where} --before`)) as WriteSettings['before'],
    after: (overrides.after ??
      checkedValue(line.after ?? 'hard_reset', AFTER, `${where} --after`)) as WriteSettings['after'],
    compress: true,
    verify: 'md5',
    appOnly: false,
    notes: line.compress ? [] : ['compressed, though the deploy line has no -z']
  };
  if (overrides.flashMode && overrides.flashMode !== line.flashMode) {
    plan.notes.push(
      `--flash-mode ${overrides.flashMode} given (the Makefile says ${line.flashMode ?? 'keep'})`
    );
  }
  if (overrides.flashSize && overrides.flashSize !== (line.flashSize ?? 'detect')) {
    plan.notes.push(
      `--flash-size ${overrides.flashSize} given (the Makefile says ${line.flashSize ?? 'detect'})`
    );
  }
  return overrides.appOnly ? { ...plan, images: [legacyApp(sources, vars)], appOnly: true } : plan;
}

/**
 * The application alone: the third file makeimg.py puts into firmware.bin,
 * at its OFFSET_APPLICATION.
 */
function legacyApp(sources: LegacySources, vars: Map<string, string>): FlashImage {
  const offset = /^OFFSET_APPLICATION\s*=\s*(0x[0-9a-fA-F]+)\s*$/m.exec(sources.makeimg ?? '')?.[1];
  const firmware = makeRule(sources.makefile, '$(BUILD)/firmware.bin');
  const app = firmware?.prerequisites[2];
  if (!offset || !app) {
    throw new FlashError(
      `The application's offset in firmware.bin is not known (looked for OFFSET_APPLICATION in makeimg.py and the firmware.bin rule in ${sources.source}). Flash the whole firmware (without --app-only).`
    );
  }
  const file = buildRelative(expand(app, vars), `${sources.source} firmware.bin`);
  return { name: 'app', offset: parseOffset(offset, 'makeimg.py'), file };
}

/** The baud rate `make deploy` would use: BAUD from the Makefile (and the command line). */
export function makefileBaud(makefile: string, makeArgs: readonly string[] = []): number | undefined {
  const value = makeVariables(makefile, '', makeArgs).get('BAUD');
  return value && /^\d+$/.test(value) ? Number(value) : undefined;
}
