import type { FaultKind } from './faultPlan';

/** One model call as the stand-in saw and answered it; tests assert on these. */
export interface RecordedCall {
  /** 1-based position since the last reset. */
  readonly seq: number;
  /** The `x-request-id` the answer carried (the SDK exposes it as `_request_id`). */
  readonly requestId: string;
  readonly path: string;
  /** The requested model ('' when the body had none). */
  readonly model: string;
  readonly formatName?: string;
  /** The most output tokens the call asked for, when it set a limit. */
  readonly maxOutputTokens?: number;
  /** The Responses `include` list, when the call sent a non-empty one. */
  readonly include?: readonly string[];
  /** First 200 characters of the input text (instructions excluded). */
  readonly inputExcerpt: string;
  /** The injected fault, when one applied. */
  readonly fault?: FaultKind;
  /**
   * The HTTP status answered. 499 (nginx's "client closed request") marks a call whose client
   * went away before the answer was sent, typically a client timeout against a `delay` fault.
   */
  readonly status: number;
  /** Token usage reported in the answer (successful answers only). */
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /** When the call arrived, ISO 8601. */
  readonly at: string;
}

/** Oldest calls are dropped beyond this, so a long offline run cannot grow memory without bound. */
const maximumRecordedCalls = 10_000;

/**
 * The stand-in's memory of calls. Entries are recorded when the call's outcome is decided, before
 * any delay, so a test that timed out can already see that its fault fired.
 */
export class CallLog {
  private entries: RecordedCall[] = [];
  private nextSeq = 1;

  /** Records a call and returns a function that corrects its status later (see 499). */
  add(call: Omit<RecordedCall, 'seq'>): (status: number) => void {
    const entry: RecordedCall = { seq: this.nextSeq++, ...call };
    this.entries.push(entry);
    if (this.entries.length > maximumRecordedCalls) this.entries.shift();
    return (status) => {
      const at = this.entries.indexOf(entry);
      if (at >= 0) this.entries[at] = { ...entry, status };
    };
  }

  /** A snapshot; later calls do not change the returned array. */
  list(): readonly RecordedCall[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries = [];
    this.nextSeq = 1;
  }
}
