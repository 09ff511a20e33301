/**
 * The container's process table as `ps` and `kill` see it: pid 1 is the container's main process;
 * every command the shell runs gets the next pid and leaves the table when it ends. `kill` aborts
 * a process's AbortController with the signal number as the reason.
 */
export interface ProcessEntry { pid: number; user: string; command: string; controller: AbortController }

export class ProcessTable {
  private readonly table = new Map<number, ProcessEntry>();
  private nextPid: number;
  constructor(firstPid = 1) { this.nextPid = firstPid; }

  /** Registers a process and returns its pid. */
  spawn(command: string, user: string, controller = new AbortController()): ProcessEntry {
    const e = { pid: this.nextPid++, user, command, controller };
    this.table.set(e.pid, e);
    return e;
  }
  exit(pid: number): void { this.table.delete(pid); }
  list(): ProcessEntry[] { return [...this.table.values()].sort((a, b) => a.pid - b.pid); }
  get(pid: number): ProcessEntry | undefined { return this.table.get(pid); }
  /** Delivers a signal: false when there is no such process. */
  kill(pid: number, signal: number): boolean {
    const e = this.table.get(pid);
    if (!e) return false;
    if (signal !== 0) e.controller.abort(signal);
    return true;
  }
}
