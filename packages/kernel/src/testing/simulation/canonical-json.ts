/** Comparing stored values: JSON with object keys sorted, so two equal values print the same. */

/** JSON with object keys sorted, so two equal values print the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v as object).sort())
      sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/** Whether two values are equal as stored (their {@link canonicalJson} is the same). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
