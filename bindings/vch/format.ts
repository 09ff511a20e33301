/** Docker's text renderings: RFC 3339 times, `Up 5 seconds`, `Exited (0) 3 seconds ago`. */

/**
 * The same text as one flat string. V8 keeps a string made by `+` or a template as a tree of its
 * pieces (32 bytes a join, each piece an object) until something reads it by index; records keep
 * their ids, times and addresses for the container's life, where the tree costs 4-5× the text.
 */
export function flat(s: string): string {
  s.charCodeAt(0); // reading by index flattens the tree in place; the collector then drops its nodes
  return s;
}

/** The zero time Docker prints for "never". */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** RFC 3339 with nanoseconds, as Docker prints times (virtual ms → text). */
export function rfc3339(ms: number): string {
  const whole = Math.floor(ms);
  const second = Math.floor(whole / 1000);
  // Every create, start and exit stamps a time: the date and clock part is shared by a whole second.
  if (second !== lastSecond) {
    lastSecondText = new Date(second * 1000).toISOString().slice(0, 19); // 2026-01-01T00:00:00
    lastSecond = second;
  }
  const milli = whole - second * 1000;
  const frac = Math.round((ms - whole) * 1e6);
  return flat(`${lastSecondText}.${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}${String(frac).padStart(6, "0")}Z`);
}
let lastSecond = NaN;
let lastSecondText = "";

/** RFC 3339 to the second (volume CreatedAt). */
export function rfc3339Seconds(ms: number): string {
  return `${new Date(Math.floor(ms)).toISOString().slice(0, 19)}Z`;
}

/** Parses an RFC 3339 time back to ms; null for Docker's zero time. */
export function parseTime(text: string): number | null {
  if (!text || text.startsWith("0001-")) return null;
  return Date.parse(text);
}

/** Docker's units.HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  const m = Math.round(ms / 60_000);
  if (m === 1) return "About a minute";
  if (m < 60) return `${m} minutes`;
  const h = Math.round(ms / 3_600_000);
  if (h === 1) return "About an hour";
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.round(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.round(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.round(h / 24 / 30)} months`;
  return `${Math.round(h / 24 / 365)} years`;
}

/** `"sleep 100"` as `docker ps` shows a command (quoted, not truncated). */
export function commandText(path: string, args: string[]): string {
  return JSON.stringify([path, ...args].filter((x) => x !== "").join(" "));
}
