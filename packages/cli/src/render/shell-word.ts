/**
 * Writing values into commands the CLI suggests (`more: ratchet runs --cursor …`, `next:
 * ratchet runs migrate …`) so they can be pasted into a POSIX shell.
 */

/** `value` as one word of a POSIX shell command (quoted only when it has to be). */
export function shellWord(value: string): string {
  return /^[\w.:@/+-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}
