#!/usr/bin/env node
/**
 * Validates the workflows (.github/workflows/*.yml) and action.yml with
 * GitHub's own parser, @actions/workflow-parser (the one behind the Actions
 * language service): schema, expressions and their contexts, and, for a
 * workflow, what the runner's conversion checks (jobs, needs, matrices, calls
 * of local reusable workflows and the inputs they declare). An action.yml is
 * checked against the action schema (runs.using, branding icons and colours).
 *
 * Usage: node scripts/lint-actions.mjs [file...]; no files: the repository's.
 * Exits 1 when any file has an error, naming each with its line and column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The parser imports its schemas (…/dist/*.min.json) without `with { type: 'json' }`, as a
// bundler allows and Node does not: a load hook serves that package's JSON files as JSON.
const jsonHook = `export async function load(url, context, next) {
  if (url.endsWith('.json') && url.includes('/@actions/workflow-parser/')) {
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(jsonHook)}`);
const { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } =
  await import('@actions/workflow-parser');
const { parseAction } = await import('@actions/workflow-parser/actions/action-parser');
const { ErrorPolicy } = await import('@actions/workflow-parser/model/convert');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The files to check by default: every workflow and the action's metadata. */
export function defaultFiles(dir = root) {
  const workflows = path.join(dir, '.github', 'workflows');
  const names = readdirSync(workflows)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  return [...names.map((name) => path.join(workflows, name)), path.join(dir, 'action.yml')];
}

const isAction = (file) => /^action\.ya?ml$/.test(path.basename(file));

/** The repository a workflow is in (local reusable workflows are named from there). */
function repositoryOf(file) {
  const workflows = path.dirname(path.resolve(file));
  return path.basename(workflows) === 'workflows' && path.basename(path.dirname(workflows)) === '.github'
    ? path.dirname(path.dirname(workflows))
    : root;
}

/** Local reusable workflows (`uses: ./.github/workflows/x.yml`) are read from the repository. */
function localFiles(dir) {
  return {
    async getFileContent(ref) {
      if (!('path' in ref) || 'repository' in ref)
        throw new Error(`not a local workflow: ${JSON.stringify(ref)}`);
      const file = path.join(dir, ref.path);
      return { name: ref.path, content: readFileSync(file, 'utf8') };
    }
  };
}

/** The parser's own message, which starts with the file, line and column. */
const describe = (error) => error.message;

/** The errors GitHub's parser finds in one workflow or action.yml, as lines of text. */
export async function validate(file, dir = repositoryOf(file)) {
  const name = path.relative(process.cwd(), file) || file;
  const content = readFileSync(file, 'utf8');
  const trace = new NoOperationTraceWriter();
  if (isAction(file)) {
    const parsed = parseAction({ name, content }, trace);
    return parsed.context.errors.getErrors().map(describe);
  }
  const parsed = parseWorkflow({ name, content }, trace);
  if (parsed.context.errors.getErrors().length === 0 && parsed.value) {
    // Conversion adds what it finds (unknown needs, inputs a called workflow does not declare…)
    // to the same context's errors.
    await convertWorkflowTemplate(parsed.context, parsed.value, localFiles(dir), {
      fetchReusableWorkflowDepth: 1,
      errorPolicy: ErrorPolicy.TryConversion
    });
  }
  return parsed.context.errors.getErrors().map(describe);
}

async function main(args) {
  const files = args.length > 0 ? args.map((file) => path.resolve(file)) : defaultFiles();
  let failed = 0;
  for (const file of files) {
    const errors = await validate(file);
    if (errors.length === 0) {
      console.log(`ok ${path.relative(process.cwd(), file)}`);
      continue;
    }
    failed += 1;
    for (const error of errors) console.error(error);
  }
  if (failed > 0) {
    console.error(`${failed} of ${files.length} files have errors.`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
