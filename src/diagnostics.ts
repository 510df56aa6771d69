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

const DISK_FULL = /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/;

/**
 * What to do about a full disk, when a failure's message says the disk was
 * full; `where` names the directory being written, when known. Pure.
 */
export function diskFullHint(message: string, where?: string): string | undefined {
  if (!DISK_FULL.test(message)) return undefined;
  const place = where ? ` holding ${where}` : '';
  return `The disk${place} is full. Free space there (df -h shows what is left; docker system prune frees the engine's unused images) and re-run: what was cached before is intact, and the half-written part is removed on the next run.`;
}

/** A failure's message, with what to do appended when it says so itself (a full disk) and does not yet. Pure. */
export function withFaultHints(message: string): string {
  const hint = diskFullHint(message);
  return hint && !message.includes('The disk') ? `${message}\n${hint}` : message;
}
