/**
 * The commands: each one finds its tree, turns its options into the action's
 * Inputs, and drives the same pipeline as the action.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseInputs, parseRepository, type Inputs } from '../inputs.js';
import { maskCredentials } from '../secrets.js';
import { NoCache } from '../ports.js';
import { Docker } from '../pipeline/docker.js';
import { hostPathsOf } from '../pipeline/host-paths.js';
import { thisUser } from '../pipeline/users.js';
import { execute, type PipelineResult } from '../pipeline/execute.js';
import { findDockerDir, obtainImage, planImage } from '../pipeline/image.js';
import { imageRequest } from '../pipeline/plan.js';
import { idfVersionOfRef } from '../idf-versions.js';
import { planGoal, resolveInputs, type PipelineEnv } from '../pipeline/index.js';
import type { Resolution } from '../pipeline/resolve/index.js';
import { summaryRows } from '../pipeline/summary.js';
import { flag, inputSource, stringOption, type ParsedArgs } from './args.js';
import { gatherFacts, doctorFindings, renderFindings } from './doctor.js';
import { formatBytes, table, type Paint } from './format.js';
import { runGone } from './host.js';
import {
  DEFAULT_MICROPYTHON_REPO,
  findTreeAbove,
  isInside,
  latestReleaseTree,
  looksLikeMicroPython,
  TreeError
} from './micropython.js';
import { imagePlanText, planText, treeCloneLines } from './plan-text.js';
import { checkBaud, needsSerial } from './serial.js';
import { chooseBoard, type HostPort } from './board-port.js';
import { monitorCommand } from './monitor-command.js';
import {
  hostEraseCommand,
  hostFlashReport,
  hostFlashText,
  hostWritePlan,
  runHostFlash
} from './host-flash.js';
import { DirectoryToolStore, layout, placesFor, removeLeftovers, removeScratch } from './store.js';
import {
  aliasMakeArgs,
  boardFromMakeArgs,
  goalFor,
  type BuildingCommand,
  type SerialChoice
} from './goals.js';
import type { TerminalProgress } from './terminal.js';

export interface CommandContext {
  args: ParsedArgs;
  terminal: TerminalProgress;
  /** Results (stdout). */
  out: (text: string) => void;
  paint: Paint;
  /** $HOME/esp32-devel */
  root: string;
  cwd: string;
  /** Aborted on Ctrl-C: every process and container of the command stops. */
  signal?: AbortSignal;
}

/** The JSON `resolve --json` prints. Pure. */
export function resolutionJson(resolution: Resolution, tree: string): Record<string, unknown> {
  const json: Record<string, unknown> = {
    micropythonVersion: resolution.micropythonVersion,
    buildSystem: resolution.buildSystem,
    idf: {
      ref: resolution.idf.ref,
      supported: resolution.idf.supported,
      pinSource: resolution.idf.pinSource
    },
    toolchain: resolution.toolchain
      ? {
          version: resolution.toolchain.version,
          url: resolution.toolchain.url,
          sha256: resolution.toolchain.sha256
        }
      : null,
    board: resolution.board,
    boards: resolution.boards,
    chips: resolution.chips,
    buildDir: resolution.buildDir,
    tree,
    warnings: resolution.warnings
  };
  if (resolution.boardVariant) json.boardVariant = resolution.boardVariant;
  return json;
}

/** The resolution in words. Pure. */
export function resolutionText(resolution: Resolution, tree: string): string {
  const rows: [string, string][] = [
    ['Tree', tree],
    ['MicroPython', resolution.micropythonVersion ?? 'unknown'],
    ['Build system', resolution.buildSystem === 'make' ? 'make (legacy GNU make)' : 'cmake (idf.py)'],
    ['ESP-IDF', `${resolution.idf.ref} (from ${resolution.idf.pinSource})`],
    ['Supported', resolution.idf.supported.join(', ') || '(none named)'],
    [
      'Toolchain',
      resolution.toolchain
        ? `xtensa-esp32-elf ${resolution.toolchain.version}\n${resolution.toolchain.url}\nsha256 ${resolution.toolchain.sha256}`
        : 'installed by ESP-IDF (install.sh)'
    ],
    [
      'Board',
      `${resolution.board || '(the only configuration)'}${resolution.boardVariant ? ` variant ${resolution.boardVariant}` : ''}`
    ],
    ['Chips', resolution.chips.join(', ')],
    ['Build dir', resolution.buildDir]
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return table(rows)
    .map((line) => line.replace(/\n/g, `\n  ${' '.repeat(width)}`))
    .join('\n');
}

/** The tree `resolve` and `make` work on: given, or around the current directory. */
function treeAround(ctx: CommandContext): string | undefined {
  const given = stringOption(ctx.args.options, 'micropython');
  if (given) return path.resolve(ctx.cwd, given);
  return findTreeAbove(ctx.cwd, looksLikeMicroPython);
}

function noTree(ctx: CommandContext): TreeError {
  return new TreeError(
    `No MicroPython tree at or above ${ctx.cwd} (looked for py/mpconfig.h and ports/esp32). Run this inside a MicroPython checkout, or give one with --micropython DIR.`
  );
}

function toInputs(ctx: CommandContext, tree: string, extra: Record<string, string> = {}): Inputs {
  const source = inputSource(ctx.args.options, tree);
  const inputs = parseInputs((name) => extra[name] ?? source(name), {
    workspace: ctx.cwd,
    cpus: os.availableParallelism()
  });
  maskCredentials(inputs.idfRepoCredentials);
  return inputs;
}

export async function resolveCommand(ctx: CommandContext): Promise<number> {
  const tree = treeAround(ctx);
  if (!tree) throw noTree(ctx);
  const resolution = await resolveInputs(toInputs(ctx, tree));
  for (const warning of resolution.warnings) ctx.terminal.warning(warning);
  ctx.out(
    flag(ctx.args.options, 'json')
      ? JSON.stringify(resolutionJson(resolution, tree), null, 2)
      : resolutionText(resolution, tree)
  );
  return 0;
}

function pipelineEnv(ctx: CommandContext): PipelineEnv {
  return {
    cache: new NoCache(),
    tools: new DirectoryToolStore(layout(ctx.root).toolCache),
    progress: ctx.terminal,
    places: placesFor(ctx.root),
    docker: new Docker({ debug: ctx.terminal.log.debug }),
    user: thisUser(),
    hostPaths: hostPathsOf(process.platform),
    dockerDir: process.env.ESP32_BUILD_DOCKER_DIR || findDockerDir(),
    runId: `local-${Date.now()}`,
    signal: ctx.signal,
    onDownloadProgress: ctx.terminal.download,
    onGitLine: ctx.terminal.gitLine
  };
}

/** The tree a building command works on, and where a dry run reads it from before it is cloned. */
interface TreeChoice {
  root: string;
  /** The release a run would clone into `root`, and the dry run's scratch clone of it, read to plan. */
  clone?: { repo: string; tag: string; readFrom: string; scratch: string };
}

/**
 * The tree a building command works on: given, around the current
 * directory, or the latest MicroPython release in $HOME/esp32-devel. A dry
 * run clones nothing there: it reads a scratch clone, so that the plan it
 * prints is the whole one.
 */
async function buildingTree(ctx: CommandContext, dryRun: boolean): Promise<TreeChoice> {
  const found = treeAround(ctx);
  if (found) return { root: found };
  const { url: repo, credentials } = parseRepository(
    stringOption(ctx.args.options, 'micropython-repo') ?? DEFAULT_MICROPYTHON_REPO,
    '--micropython-repo'
  );
  maskCredentials(credentials);
  const dir = layout(ctx.root).micropython;
  const clone = (into: string) =>
    ctx.terminal.phase('MicroPython', (log) =>
      latestReleaseTree(repo, {
        dir: into,
        log,
        onGitLine: ctx.terminal.gitLine,
        signal: ctx.signal,
        credentials
      })
    );
  if (dryRun) {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'esp32-build-plan-'));
    const release = await clone(scratch);
    const root = path.join(dir, release.tag);
    if (!looksLikeMicroPython(root)) {
      return { root, clone: { repo, tag: release.tag, readFrom: release.root, scratch } };
    }
    await rm(scratch, { recursive: true, force: true });
    return { root };
  }
  const release = await clone(dir);
  ctx.terminal.line(
    release.cloned
      ? `No MicroPython tree here: building ${release.tag}, the latest release, in ${release.root}`
      : `No MicroPython tree here: building ${release.tag} in ${release.root}`
  );
  return { root: release.root };
}

function printSummary(ctx: CommandContext, rows: [string, string][]): void {
  ctx.out(table(rows).join('\n'));
}

function sweepOldRuns(ctx: CommandContext): void {
  const removed = removeLeftovers(ctx.root, runGone);
  for (const dir of removed) ctx.terminal.log.info(`Removed ${dir}, left half-written by an interrupted run`);
}

/**
 * What the image command builds for: the tree's ESP-IDF (--micropython), or
 * the --idf-version given (a v3 ref or hash means the legacy make build), or
 * by default the newest era's.
 */
async function imageNeeds(ctx: CommandContext, inputs: Inputs) {
  if (stringOption(ctx.args.options, 'micropython')) {
    const resolution = await resolveInputs(inputs);
    return { buildSystem: resolution.buildSystem, idf: { ref: resolution.idf.ref } };
  }
  const ref = inputs.idfVersion === 'auto' ? 'master' : inputs.idfVersion;
  const major = idfVersionOfRef(ref)?.major;
  return {
    buildSystem: major !== undefined && major < 4 ? ('make' as const) : ('cmake' as const),
    idf: { ref }
  };
}

export async function imageCommand(ctx: CommandContext): Promise<number> {
  const given = stringOption(ctx.args.options, 'micropython');
  const inputs = toInputs(ctx, given ? path.resolve(ctx.cwd, given) : ctx.cwd);
  const env = pipelineEnv(ctx);
  const request = imageRequest(inputs, env.dockerDir, await imageNeeds(ctx, inputs));
  const title = inputs.image === 'build' ? 'Build image' : 'Pull image';
  const plan = await ctx.terminal.phase(title, async (log) => {
    log.info(`Docker engine ${await env.docker.check()}`);
    return planImage(request, env.docker, env.places);
  });
  if (flag(ctx.args.options, 'dry-run')) {
    ctx.out(flag(ctx.args.options, 'json') ? JSON.stringify(plan, null, 2) : imagePlanText(plan));
    return 0;
  }
  const image = await ctx.terminal.phase(title, (log) =>
    obtainImage(plan, { docker: env.docker, cache: env.cache, useCache: false, log, signal: ctx.signal })
  );
  ctx.out(image.ref);
  return 0;
}

/** The tree `make` works on: the one around the current directory, which must be inside it. */
function makeTree(ctx: CommandContext): string {
  const tree = treeAround(ctx);
  if (!tree) throw noTree(ctx);
  if (!isInside(ctx.cwd, tree)) {
    throw new TreeError(
      `make runs in the current directory, ${ctx.cwd}, which is not inside the MicroPython tree ${tree}. cd into it first.`
    );
  }
  return tree;
}

/** setup, build, deploy, erase and make: plan the goal, then print the plan or execute it. */
export async function buildingCommand(ctx: CommandContext, command: BuildingCommand): Promise<number> {
  const { options, rest } = ctx.args;
  const dryRun = flag(options, 'dry-run');
  const baud = checkBaud(stringOption(options, 'baud') ?? (process.env.ESPBAUD || undefined));
  // make runs where the user stands, so that must be inside the tree.
  const tree = command === 'make' ? makeTree(ctx) : undefined;
  const serialWanted =
    command === 'deploy' ||
    command === 'erase' ||
    (command === 'make' && (needsSerial(rest) || options.port !== undefined));
  const board = serialWanted ? await chooseBoard(ctx, command) : undefined;
  if (command === 'erase' && board?.host) return hostEraseCommand(ctx, board.host, baud);

  if (!dryRun) sweepOldRuns(ctx);
  const choice = tree ? { root: tree } : await buildingTree(ctx, dryRun);
  try {
    const code = await planAndRun(ctx, command, choice, board?.serial, baud, board?.host);
    // The monitor opens the port on this machine once the flasher (container or host) has let it go.
    if (code === 0 && command === 'deploy' && flag(options, 'monitor') && !dryRun) {
      return await monitorCommand(ctx, false);
    }
    return code;
  } finally {
    if (choice.clone) await rm(choice.clone.scratch, { recursive: true, force: true });
  }
}

async function planAndRun(
  ctx: CommandContext,
  command: BuildingCommand,
  choice: TreeChoice,
  serial: SerialChoice | undefined,
  baud: string | undefined,
  host?: HostPort
): Promise<number> {
  const { options, rest } = ctx.args;
  const tree = choice.root;
  const fromMake = command === 'make' && options.board === undefined ? boardFromMakeArgs(rest) : {};
  const extra: Record<string, string> = {};
  if (fromMake.board) extra.board = fromMake.board;
  if (fromMake.boardVariant) extra['board-variant'] = fromMake.boardVariant;
  const inputs = toInputs(ctx, tree, extra);
  ctx.terminal.log.debug(`Inputs: ${JSON.stringify(inputs)}`);
  const makeArgs = aliasMakeArgs(rest, inputs, options.board !== undefined, serial, baud);
  const goal = goalFor(command, { tree, cwd: ctx.cwd }, makeArgs, serial, baud, host ? 'host' : 'container');
  const env = pipelineEnv(ctx);
  try {
    const durations: Record<string, number> = {};
    const plan = await planGoal(inputs, goal, env, { durations, readFrom: choice.clone?.readFrom });
    if (flag(options, 'dry-run')) {
      const clone = choice.clone && { repo: choice.clone.repo, tag: choice.clone.tag, dir: tree };
      const hostFlash = host && (await hostWritePlan(host, baud, plan.resolution, inputs, false));
      ctx.out(
        flag(options, 'json')
          ? JSON.stringify({ ...(clone ? { micropython: { clone } } : {}), ...plan, hostFlash }, null, 2)
          : [
              ...(clone ? treeCloneLines(clone) : []),
              planText(plan),
              ...(hostFlash ? [hostFlashText(hostFlash, host.pty)] : [])
            ].join('\n')
      );
      return 0;
    }
    const step = goal.kind === 'build' ? goal.then : goal.kind === 'make' ? goal.step : undefined;
    if (step) ctx.terminal.showOutputOf(step.title);
    const result = await execute(plan, env, durations);
    if (!host) report(ctx, command, result);
    else {
      const flash = await hostWritePlan(host, baud, plan.resolution, inputs, true);
      ctx.out(hostFlashReport(flash, await runHostFlash(ctx, flash, host.pty)));
    }
    return 0;
  } finally {
    await removeScratch(env.places);
  }
}

/** What a finished command prints on stdout. */
function report(ctx: CommandContext, command: BuildingCommand, result: PipelineResult): void {
  if (command === 'setup') printSummary(ctx, preparedRows(result));
  if (command === 'build')
    printSummary(ctx, [...summaryRows(result), ['Build dir', result.artifacts!.buildDir]]);
  if (command === 'deploy') {
    const { firmware, firmwareSize } = result.artifacts!;
    ctx.out(`Wrote ${firmware} (${formatBytes(firmwareSize ?? 0)}) to the board.`);
  }
}

function preparedRows(prepared: PipelineResult): [string, string][] {
  const r = prepared.resolution;
  const rows: [string, string][] = [
    ['MicroPython', r.micropythonVersion ?? 'unknown'],
    ['ESP-IDF', `${r.idf.ref} (${prepared.idf.kind} at ${prepared.idf.commit})`],
    ['ESP-IDF dir', prepared.idf.dir],
    ['Chips', r.chips.join(', ')]
  ];
  if (prepared.toolchain)
    rows.push(['Toolchain', `${prepared.toolchain.version} in ${prepared.toolchain.dir}`]);
  rows.push(['Image', prepared.image.ref]);
  return rows;
}

export async function doctorCommand(ctx: CommandContext): Promise<number> {
  const facts = await gatherFacts({
    port: stringOption(ctx.args.options, 'port') ?? (process.env.ESPPORT || undefined),
    root: ctx.root,
    docker: new Docker({ debug: ctx.terminal.log.debug })
  });
  const report = renderFindings(doctorFindings(facts), ctx.paint);
  ctx.out(report.text);
  return report.problems ? 1 : 0;
}
