/**
 * Docker's pull progress messages: the VCH reports neutral progress (status, layer, current and
 * total bytes); dockerd's JSON also carries a text bar, `[=====>      ]  1.2MB/3.4MB`, drawn here.
 */
import type { PullProgress } from "../vch/types.js";

/** A progress message as dockerd streams it (with its bar while a layer downloads or extracts). */
export function pullMessage(p: PullProgress): PullProgress {
  const d = p.progressDetail;
  if (p.progress !== undefined || d?.current === undefined || d.total === undefined) return p;
  return { status: p.status, id: p.id, progress: bar(d.current, d.total), progressDetail: d };
}

function bar(current: number, total: number): string {
  const width = 50;
  const done = Math.min(width, Math.floor((current / Math.max(1, total)) * width));
  const arrow = done < width ? ">" : "=";
  return `[${"=".repeat(Math.max(0, done - (done < width ? 0 : 1)))}${arrow}${" ".repeat(Math.max(0, width - done - 1))}] ${size(current)}/${size(total)}`;
}

function size(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toFixed(2)}GB`;
  if (b >= 1e6) return `${(b / 1e6).toFixed(2)}MB`;
  if (b >= 1e3) return `${(b / 1e3).toFixed(2)}kB`;
  return `${b}B`;
}
