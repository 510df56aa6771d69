/** A Log that keeps what it is told: info and command output as `lines`, warnings apart; debug dropped. */
import type { Log } from '../../src/ports.js';

export function recordingLog(): Log & { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    lines,
    warnings,
    info: (m) => lines.push(m),
    warning: (m) => warnings.push(m),
    debug: () => undefined,
    output: (m) => lines.push(m)
  };
}
