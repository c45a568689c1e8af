import type { RelayProcess } from './relayProcess';

/** Resolves once the check holds (looked at every 10 ms); rejects naming what it waited for after the time. */
export function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

/** Resolves with the first answer the check accepts (asked every `everyMs`; an answer that throws counts as not yet); rejects after the time. */
export async function untilAnswer<T>(ask: () => Promise<T>, accept: (answer: T) => boolean, timeoutMs: number, what: string, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const answer = await ask();
      if (accept(answer)) return answer;
      last = `last answer ${JSON.stringify(answer)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The oldest of the processes; throws when there is none. */
export function first(relays: readonly RelayProcess[], what: string): RelayProcess {
  const relay = relays[0];
  if (!relay) throw new Error(`no live ${what}`);
  return relay;
}
