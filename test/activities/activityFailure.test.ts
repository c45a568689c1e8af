import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { toActivityFailure } from '../../activities/activityFailure';
import { EventInvalidError, SearchBackendUnavailableError } from '../../src/errors';
import { registerSecret } from '../../src/logging/logger';

describe('an activity error on its way into Temporal’s history', () => {
  const secret = 'sk-activity-secret-4b2f9';
  registerSecret(secret);

  it('keeps no secret in its message, stack or causes, and keeps its type and retryability', () => {
    const root = new Error(`upstream said: bad key ${secret}`);
    const thrown = new TypeError(`fetch failed for https://user:${secret}@search.example`, { cause: root });
    const failure = toActivityFailure(thrown);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'TypeError');
    assert.equal(failure.nonRetryable, false);
    const texts: string[] = [];
    for (let current: unknown = failure; current instanceof Error; current = current.cause) texts.push(current.message, current.stack ?? '');
    assert.ok(texts.length >= 6, 'the whole cause chain is kept');
    assert.ok(texts.every((text) => !text.includes(secret)), texts.join('\n'));
    assert.ok(texts.some((text) => text.includes('[redacted]')));
  });

  it('keeps a relay error’s retryability and leaves a cancellation alone', () => {
    const failure = toActivityFailure(new EventInvalidError(`Kafka refused the event: key ${secret}`));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.nonRetryable, true);
    assert.ok(!failure.message.includes(secret));
    const cancelled = new CancelledFailure('cancelled');
    assert.equal(toActivityFailure(cancelled), cancelled);
  });

  it('a search back end that asked for a long wait (Retry-After) retries after that wait, not the policy’s', () => {
    const failure = toActivityFailure(new SearchBackendUnavailableError('tavily', 429, 1, 'tavily answered 429 (gave up after 1 request)', { retryAfterMs: 120_000 }));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'SearchBackendUnavailableError');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 120_000);
    const withoutWait = toActivityFailure(new SearchBackendUnavailableError('searxng', 503, 3, 'searxng answered 503'));
    assert.ok(withoutWait instanceof ApplicationFailure);
    assert.equal(withoutWait.nextRetryDelay, undefined);
  });
});
