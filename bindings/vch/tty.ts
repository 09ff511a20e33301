/**
 * What a guest's terminal does to output: a Linux pty's line discipline (ONLCR, on by default)
 * writes every newline as carriage return and newline, so a TTY container's or exec's output reads
 * `hello\r\n` as it does under dockerd.
 */

/** A process's output as it leaves a pty. */
export function ttyOutput(text: string): string {
  return text.includes("\n") ? text.replace(/\n/g, "\r\n") : text;
}
