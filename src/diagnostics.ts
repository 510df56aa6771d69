/**
 * A gcc/clang diagnostic: `file:line:col: error|warning: message`. The one
 * pattern behind the action's problem matcher and the build's error tails.
 */
export const COMPILER_DIAGNOSTIC = /^(.+?):(\d+):(\d+):\s+(?:fatal\s+)?(error|warning):\s+(.*)$/;

/** The groups of {@link COMPILER_DIAGNOSTIC}, by what they hold. */
export const DIAGNOSTIC_GROUPS = { file: 1, line: 2, column: 3, severity: 4, message: 5 } as const;

/** The last compiler errors in a build's output, for the failure message. Pure. */
export function lastCompilerErrors(output: string, count = 10): string[] {
  return output
    .split('\n')
    .filter((line) => COMPILER_DIAGNOSTIC.exec(line)?.[DIAGNOSTIC_GROUPS.severity] === 'error')
    .slice(-count);
}
