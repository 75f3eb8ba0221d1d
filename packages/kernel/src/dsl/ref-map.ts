/**
 * A map keyed by a definition's identity (workflow id, version, fingerprint), looked up without
 * building a key: `workflowId@version#fingerprint` made a new string per lookup, which the map
 * then flattened and hashed — on every stage (the run's definition, its jobs' route key). Here
 * each part is a key of its own, and the strings a run record carries keep their hash cached.
 */
/** What a {@link RefMap} is keyed by: a definition's identity (`DefinitionRef` in versioning.ts). */
export interface RefKey {
  workflowId: string;
  workflowVersion: string;
  fingerprint: string;
}

/** Values by {@link RefKey}: fingerprint, then workflow id, then version. */
export class RefMap<V> {
  private readonly byFingerprint = new Map<string, Map<string, Map<string, V>>>();
  private count = 0;

  /** The value stored for `ref`, if any. */
  get(ref: RefKey): V | undefined {
    return this.byFingerprint.get(ref.fingerprint)?.get(ref.workflowId)?.get(ref.workflowVersion);
  }

  /** Stores `value` for `ref`. */
  set(ref: RefKey, value: V): void {
    let byId = this.byFingerprint.get(ref.fingerprint);
    if (byId === undefined) {
      byId = new Map();
      this.byFingerprint.set(ref.fingerprint, byId);
    }
    let byVersion = byId.get(ref.workflowId);
    if (byVersion === undefined) {
      byVersion = new Map();
      byId.set(ref.workflowId, byVersion);
    }
    if (!byVersion.has(ref.workflowVersion)) this.count += 1;
    byVersion.set(ref.workflowVersion, value);
  }

  /** Number of stored values. */
  get size(): number {
    return this.count;
  }

  /** Removes every value. */
  clear(): void {
    this.byFingerprint.clear();
    this.count = 0;
  }
}
