/**
 * A plan in words for `--dry-run`: every resource with where it lives,
 * whether it is here and how it would be had, then every container with the
 * exact docker command. Lines that are not commands start with '#'. Pure.
 */
import { formatArgv } from '../exec.js';
import type { ArtifactsPlan } from '../pipeline/artifacts.js';
import type { ImagePlan } from '../pipeline/image.js';
import type { Plan } from '../pipeline/plan.js';
import { imageView, type ResourceView } from '../pipeline/resources.js';

function resourceLines(view: ResourceView): string[] {
  const lines = [`# ${view.name}: ${view.identity}`, `#   ${view.presence}: ${view.where}`];
  if (view.presence === 'present') return lines;
  view.steps.forEach((step, i) => lines.push(`#   ${i + 1}. ${step}`));
  if (view.unknown) lines.push(`#   unknown until run: ${view.unknown}`);
  return lines;
}

function goalLine(plan: Plan): string {
  const r = plan.resolution;
  const board = `${r.board || 'the only configuration'}${r.boardVariant ? ` variant ${r.boardVariant}` : ''}`;
  const what =
    plan.goal.kind === 'setup'
      ? 'set up'
      : plan.goal.kind === 'build'
        ? `build${plan.goal.then ? `, then ${plan.goal.then.title}` : ''}`
        : plan.goal.step.title;
  return `# Plan: ${what}: ${board} (${r.chips.join(', ')}), MicroPython ${r.micropythonVersion ?? '(unknown version)'}, ${r.buildSystem} build, ESP-IDF ${r.idf.ref} (from ${r.idf.pinSource})`;
}

function artifactsLine(artifacts: ArtifactsPlan): string {
  const where = artifacts.copyTo
    ? `copied from ${artifacts.buildDir} to a fresh ${artifacts.copyTo}/artifacts-XXXXXX`
    : `in ${artifacts.buildDir}`;
  return `# Artifacts: regular files only, never through a link, ${where}`;
}

export function planText(plan: Plan): string {
  const lines = [goalLine(plan), `# Docker engine ${plan.engine}`, '#', '# Resources, prepared at once:'];
  for (const view of plan.resources) lines.push(...resourceLines(view));
  lines.push(
    '#',
    plan.containers.length ? '# Containers, in order:' : '# No container runs beyond the above.'
  );
  plan.containers.forEach((c, i) => {
    lines.push(
      `# ${i + 1}. ${c.title}${c.when ? ` (${c.when})` : ''}`,
      formatArgv(c.argv[0], c.argv.slice(1))
    );
    if (c.then) lines.push(`#    then: ${c.then}`);
  });
  if (plan.artifacts) lines.push('#', artifactsLine(plan.artifacts));
  lines.push('#', `# Differs from run to run: ${plan.runSpecific.join('; ')}`);
  return lines.join('\n');
}

/** The image command's dry run. */
export function imagePlanText(plan: ImagePlan): string {
  return resourceLines(imageView(plan)).join('\n');
}

/** With no tree, the plan starts with the clone of the latest release. */
export function treeCloneLines(clone: { repo: string; tag: string; dir: string }): string[] {
  return [
    `# micropython: ${clone.tag}, the latest release of ${clone.repo}`,
    `#   absent: ${clone.dir}`,
    `#   1. clone it: ${formatArgv('git', ['clone', '--depth', '1', `--branch=${clone.tag}`, '--', clone.repo, clone.dir])}`,
    '#   (this plan was made from a scratch clone of it, removed again)'
  ];
}
