/**
 * Quota (API.md §7): resource tickets hold limits and usage as QuotaLineItems. A debit adds a cost to the
 * usage; any enforced key (one with a limit) whose new usage exceeds its limit refuses the whole debit
 * with 400 QuotaError. Sizes compare in bytes, COUNT as is. Pure functions over plain arrays.
 */
import { ApiError, invalidEntity } from "./errors.js";

export type QuotaUnit = "GB" | "MB" | "KB" | "B" | "COUNT";
export interface QuotaLineItem {
  key: string;
  value: number;
  unit: QuotaUnit;
}

const FACTOR: Record<QuotaUnit, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, COUNT: 1 };
const isSize = (u: QuotaUnit): boolean => u !== "COUNT";

/** A QuotaLineItem's value in base units (bytes, or the count). */
export function base(item: QuotaLineItem): number {
  return item.value * FACTOR[item.unit];
}

/** Checks a list of line items from a request body (`field` names it in the error). */
export function parseLineItems(raw: unknown, field: string, min = 1): QuotaLineItem[] {
  if (!Array.isArray(raw)) throw invalidEntity(`${field} may not be null (was null)`);
  if (raw.length < min) throw invalidEntity(`${field} size must be between ${min} and 2147483647 (was [])`);
  return raw.map((x, i) => {
    const it = x as Partial<QuotaLineItem> | null;
    if (!it || typeof it.key !== "string" || it.key === "") throw invalidEntity(`${field}[${i}].key may not be null (was null)`);
    const unit = String(it.unit ?? "").toUpperCase() as QuotaUnit;
    if (!(unit in FACTOR)) throw invalidEntity(`${field}[${i}].unit may not be null (was ${it.unit ?? "null"})`);
    const value = Number(it.value);
    if (typeof it.value !== "number" || !Number.isFinite(value) || value < 0) throw invalidEntity(`${field}[${i}].value must be greater than or equal to 0 (was ${it.value})`);
    return { key: it.key, value, unit };
  });
}

/** A value as Java prints a double: `8.0`, `12.5`. */
export function javaDouble(v: number): string {
  return Number.isInteger(v) && Math.abs(v) < 1e7 ? `${v}.0` : String(v);
}
const show = (i: QuotaLineItem): string => `${i.key}, ${javaDouble(i.value)}, ${i.unit}`;

/** Expresses `valueBase` (base units) in `unit`. */
function inUnit(valueBase: number, unit: QuotaUnit): number {
  return valueBase / FACTOR[unit];
}

/** Usage starting at zero for every limit key. */
export function zeroUsage(limits: QuotaLineItem[]): QuotaLineItem[] {
  return limits.map((l) => ({ key: l.key, value: 0, unit: l.unit }));
}

/**
 * Usage after adding `cost`, or 400 QuotaError naming the first enforced key that would exceed its limit
 * (equal is allowed). Keys without a limit are tracked only. Nothing is changed: the caller stores the result.
 */
export function debit(limits: QuotaLineItem[], usage: QuotaLineItem[], cost: QuotaLineItem[]): QuotaLineItem[] {
  const next = usage.map((u) => ({ ...u }));
  for (const c of cost) {
    let u = next.find((x) => x.key === c.key);
    if (!u) {
      u = { key: c.key, value: 0, unit: c.unit };
      next.push(u);
    }
    if (isSize(u.unit) !== isSize(c.unit)) continue; // a size against a count measures nothing in common
    u.value = inUnit(base(u) + base(c), u.unit);
  }
  for (const l of limits) {
    const before = usage.find((x) => x.key === l.key)!;
    const after = next.find((x) => x.key === l.key)!;
    if (base(after) > base(l) * (1 + 1e-12)) {
      const now = { key: l.key, value: before ? inUnit(base(before), l.unit) : 0, unit: l.unit };
      const wanted = { key: l.key, value: inUnit(base(after), l.unit), unit: l.unit };
      throw new ApiError(400, "QuotaError", `Not enough quota: Current Limit: ${show(l)}, desiredUsage ${show(wanted)}`, {
        limit: show(l),
        usage: show(now),
        newUsage: show(wanted),
      });
    }
  }
  return next;
}

/** Usage after giving back `cost` (never below zero). */
export function credit(usage: QuotaLineItem[], cost: QuotaLineItem[]): QuotaLineItem[] {
  const next = usage.map((u) => ({ ...u }));
  for (const c of cost) {
    const u = next.find((x) => x.key === c.key);
    if (!u || isSize(u.unit) !== isSize(c.unit)) continue;
    const v = inUnit(base(u) - base(c), u.unit);
    u.value = Math.abs(v) < 1e-9 ? 0 : Math.max(0, v);
  }
  return next;
}

/**
 * A project's reservation from its request: `subdivide.percent` P reserves P % of each tenant limit;
 * otherwise the given limits must name every tenant key (400 InvalidResourceTicketSubdivide).
 */
export function reservation(tenantLimits: QuotaLineItem[], asked: QuotaLineItem[]): QuotaLineItem[] {
  const pct = asked.find((a) => a.key === "subdivide.percent");
  if (pct) {
    if (pct.value <= 0 || pct.value > 100) throw new ApiError(400, "InvalidResourceTicketSubdivide", `subdivide.percent ${javaDouble(pct.value)} must be in (0, 100]`, { percent: javaDouble(pct.value) });
    return tenantLimits.map((l) => ({ key: l.key, value: (l.value * pct.value) / 100, unit: l.unit }));
  }
  for (const l of tenantLimits) {
    if (!asked.some((a) => a.key === l.key)) {
      throw new ApiError(400, "InvalidResourceTicketSubdivide", `Project reservation is missing the limit ${l.key}`, { missingLimit: l.key });
    }
  }
  return asked.map((a) => ({ ...a }));
}
