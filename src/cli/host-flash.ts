/**
 * deploy and erase with --flasher host: the plan of the host flash step,
 * printed by a dry run or run from this process after the build.
 */
import { realpathSync } from 'node:fs';
import type { Inputs } from '../inputs.js';
import { hex } from '../flash/flash-args.js';
import { hostFlash, type HostFlashResult } from '../flash/host-flasher.js';
import { hostFlashLines, ROM_BAUD, type HostFlashPlan } from '../flash/plan.js';
import { DEFAULT_BAUD, flashBaud, planHostWrite, type BuildFacts } from '../flash/read-build.js';
import type { Resolution } from '../pipeline/resolve/index.js';
import { flag } from './args.js';
import type { HostPort } from './board-port.js';
import type { CommandContext } from './commands.js';
import { formatBytes } from './format.js';
import { processesHolding } from './host.js';

/** The host write step of a build: from its flasher_args.json or Makefile; `built` once the build ran. */
export async function hostWritePlan(
  host: HostPort,
  baud: string | undefined,
  resolution: Resolution,
  inputs: Pick<Inputs, 'micropythonPath' | 'makeArgs'>,
  built: boolean
): Promise<HostFlashPlan> {
  const facts: BuildFacts = {
    tree: inputs.micropythonPath,
    buildDir: resolution.buildDir,
    buildSystem: resolution.buildSystem,
    chip: resolution.chips[0],
    board: resolution.board,
    makeArgs: inputs.makeArgs
  };
  return planHostWrite({ port: host.port, baud: await flashBaud(baud, facts) }, facts, host.overrides, built);
}

/** The host erase step: no tree, no container. */
export function hostErasePlan(host: HostPort, baud: string | undefined): HostFlashPlan {
  return {
    kind: 'erase',
    port: host.port,
    baud: baud ? Number(baud) : DEFAULT_BAUD,
    romBaud: ROM_BAUD,
    before: host.overrides.before ?? 'default_reset',
    after: host.overrides.after ?? 'hard_reset'
  };
}

/** The host step in a dry run's text: after the containers, as comments. Pure. */
export function hostFlashText(plan: HostFlashPlan, pty: boolean): string {
  return ['#', '# Then on this machine:', ...hostFlashLines(plan, pty).map((line) => `# ${line}`)].join('\n');
}

/** Runs the plan's host step as one phase, esptool-js's lines shown, a bar per image. */
export async function runHostFlash(
  ctx: CommandContext,
  plan: HostFlashPlan,
  pty: boolean
): Promise<HostFlashResult> {
  const title =
    plan.kind === 'erase' ? `Erase the flash on ${plan.port}` : `Write the firmware to ${plan.port}`;
  ctx.terminal.showOutputOf(title);
  return ctx.terminal.phase(title, async (log) => {
    // The flasher itself says why a pseudo-terminal gets no reset.
    for (const line of hostFlashLines(plan, pty, false)) log.info(line);
    return hostFlash(plan, {
      log,
      signal: ctx.signal,
      onProgress: ctx.terminal.flashing,
      holders: (port) => (process.platform === 'linux' ? processesHolding(realpathSync(port)) : [])
    });
  });
}

/** What a host flash prints on stdout. Pure. */
export function hostFlashReport(plan: HostFlashPlan, result: HostFlashResult): string {
  if (plan.kind === 'erase') return `Erased the flash of the ${result.chip} on ${plan.port}.`;
  const images = result.written.map(
    (image) => `  ${hex(image.offset).padEnd(9)} ${image.file} (${formatBytes(image.bytes)}), verified`
  );
  return [`Wrote to the ${result.chip} on ${plan.port}:`, ...images].join('\n');
}

/** erase --flasher host: nothing to build, so no tree and no container. */
export async function hostEraseCommand(
  ctx: CommandContext,
  host: HostPort,
  baud: string | undefined
): Promise<number> {
  const plan = hostErasePlan(host, baud);
  if (flag(ctx.args.options, 'dry-run')) {
    ctx.out(
      flag(ctx.args.options, 'json')
        ? JSON.stringify({ hostFlash: plan }, null, 2)
        : hostFlashText(plan, host.pty).replace(/^#\n# Then on this machine:\n/, '# Plan: erase\n')
    );
    return 0;
  }
  ctx.out(hostFlashReport(plan, await runHostFlash(ctx, plan, host.pty)));
  return 0;
}
