/** One record a scenario sends to the request topic, and what it must become. */
export interface ChaosRecord {
  /** The record key; every record of a scenario has its own, so the DLQ and results map back to it. */
  readonly key: string;
  /** The value, or how to make it when it is sent (2 MB values are not all held at once). */
  readonly value: Buffer | (() => Buffer);
  readonly headers: Record<string, string>;
  /** Sent in a gzip-compressed batch of its own (the oversized-but-compressible poison). */
  readonly gzip?: boolean;
  /** good: exactly one run and one terminal event; poison: exactly one DLQ record and no run. */
  readonly expect: 'good' | 'poison';
  /** For poison, the DLQ reason the relay should give (reported, not required). */
  readonly reason?: string;
  /**
   * Poison whose DLQ record carries no key (a keyless record; one of a batch no consumer can
   * read, whose records reach the relay without their content): it is accounted for among the
   * keyless DLQ records with its reason, and `key` only names it in the ledger.
   */
  readonly anonymous?: boolean;
}

/** The CloudEvents headers of a well-formed request. */
export function requestHeaders(id: string): Record<string, string> {
  return { ce_specversion: '1.0', ce_type: 'research.requested.v1', ce_id: `chaos-${id}`.slice(0, 240), ce_source: 'chaos-suite' };
}

/** A good request: valid JSON, key = requestId, two searches so a run makes four model calls. */
export function goodRecord(requestId: string, index: number): ChaosRecord {
  const value = { requestId, query: `Chaos question ${index}: how do heat pumps cope with cold climates?`, maxSearches: 2, metadata: { suite: 'chaos' } };
  return { key: requestId, value: Buffer.from(JSON.stringify(value)), headers: requestHeaders(requestId), expect: 'good' };
}

/**
 * `count` good requests named `<tag>-g<i>`; with `lengthLimits`, the first two use the longest
 * (200 characters) and the shortest (1 character) ids the contract allows.
 */
export function goodRecords(tag: string, count: number, lengthLimits = false): ChaosRecord[] {
  return Array.from({ length: count }, (_, index) => {
    if (lengthLimits && index === 0) return goodRecord(`${tag}-g0-`.padEnd(200, 'L'), index);
    if (lengthLimits && index === 1) return goodRecord('x', index);
    return goodRecord(`${tag}-g${index}`, index);
  });
}

/** The bytes of a record's value. */
export function recordValue(record: ChaosRecord): Buffer {
  return typeof record.value === 'function' ? record.value() : record.value;
}
