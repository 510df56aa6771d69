/**
 * The pipeline's front door: a goal is planned (reading the tree, asking
 * without writing), then the plan is executed. The action, the CLI and its
 * dry run all come through here.
 */
import type { Inputs } from '../inputs.js';
import type { Artifacts } from './artifacts.js';
import { execute, timed, type ExecuteEnv, type PipelineResult } from './execute.js';
import type { Goal } from './goal.js';
import { makePlan, type Plan, type PlanEnv } from './plan.js';
import { resolveTree, type Resolution, type ResolveOptions } from './resolve/index.js';
import { readTreeSnapshot } from './tree.js';

export type { Goal, MakeStep } from './goal.js';
export type { Plan, PlannedContainer } from './plan.js';
export type { PipelineResult, Prepared } from './execute.js';

/** Everything the pipeline needs from its front end. */
export type PipelineEnv = Omit<PlanEnv, 'log'> & ExecuteEnv;

/** What the resolver needs from the inputs. Pure. */
export function resolveOptions(inputs: Inputs): ResolveOptions {
  return {
    idfVersion: inputs.idfVersion,
    board: inputs.board,
    boardVariant: inputs.boardVariant,
    toolchainUrl: inputs.toolchainUrl,
    toolchainSha256: inputs.toolchainSha256
  };
}

/**
 * Read the tree and decide everything about the build. No network, no
 * Docker. `readFrom` holds the same files when the tree is not in place yet
 * (a dry run reads a scratch clone of the release it would clone).
 */
export async function resolveInputs(inputs: Inputs, readFrom = inputs.micropythonPath): Promise<Resolution> {
  return resolveTree(await readTreeSnapshot(readFrom), resolveOptions(inputs));
}

/** Resolve the tree and plan the goal, as one phase. Writes nothing. */
export async function planGoal(
  inputs: Inputs,
  goal: Goal,
  env: PipelineEnv,
  options: { durations?: Record<string, number>; readFrom?: string } = {}
): Promise<Plan> {
  return timed(options.durations ?? {}, 'resolve', () =>
    env.progress.phase('Resolve the MicroPython tree', async (log) => {
      const resolution = await resolveInputs(inputs, options.readFrom);
      for (const warning of resolution.warnings) log.warning(warning);
      log.info(
        `MicroPython ${resolution.micropythonVersion ?? '(unknown version)'}, ${resolution.buildSystem} build, board ${resolution.board || '(default)'}` +
          `${resolution.boardVariant ? ` variant ${resolution.boardVariant}` : ''}, chips ${resolution.chips.join(', ')}, ESP-IDF ${resolution.idf.ref} (from ${resolution.idf.pinSource})`
      );
      const plan = await makePlan(inputs, resolution, goal, { ...env, log });
      log.info(`Docker engine ${plan.engine}`);
      const { scope } = plan.cache;
      if (scope.name) {
        log.info(
          `ccache and the component cache: scope ${scope.name}${scope.fallbackTag ? ', restored from the default branch when this scope has none' : ''}${scope.save ? '' : `; not saved: ${scope.why}`}`
        );
      }
      for (const resource of plan.resources) {
        log.debug(
          `Plan: ${resource.name} ${resource.identity}: ${resource.presence}; ${resource.steps.join(', then ')}`
        );
      }
      return plan;
    })
  );
}

/** Plan the goal, then execute the plan. */
export async function runGoal(inputs: Inputs, goal: Goal, env: PipelineEnv): Promise<PipelineResult> {
  const durations: Record<string, number> = {};
  const plan = await planGoal(inputs, goal, env, { durations });
  return execute(plan, env, durations);
}

export type BuildResult = PipelineResult & { artifacts: Artifacts };

/** The action's job: build the firmware. */
export async function runPipeline(inputs: Inputs, env: PipelineEnv): Promise<BuildResult> {
  const result = await runGoal(inputs, { kind: 'build' }, env);
  return { ...result, artifacts: result.artifacts! };
}
