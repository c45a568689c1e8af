import { createRequire } from 'node:module';

/** What of kafkajs's (internal) RequestQueue the fix below touches. */
interface RequestQueueInternals {
  readonly pending: readonly unknown[];
  scheduleCheckPendingRequests: (this: RequestQueueInternals) => void;
}

let installed = false;

/**
 * kafkajs 2.2.4 (its last release) re-arms its request queue's check of pending requests after
 * every check, also with nothing pending and no throttle in place: the delay then comes out
 * negative, Node clamps it to 1 ms, and every broker connection runs a 1 ms timer for as long as
 * it is open (upstream issues #1556 and #1704; Node 24 also warns about the negative delay,
 * #1751). The check is needed only while requests wait: a fulfilled or timed-out request checks
 * again by itself, and a request held back (in-flight limit, or the broker's throttle) is pushed
 * as pending, which re-arms it for the throttle's end. So it is re-armed only with requests
 * pending. Installed once per process, for every kafkajs client in it.
 */
export function stopKafkajsIdleLoop(): void {
  if (installed) return;
  installed = true;
  const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };
  const scheduleCheck = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals): void {
    if (this.pending.length === 0) return;
    scheduleCheck.call(this);
  };
}
