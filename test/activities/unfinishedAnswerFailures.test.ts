import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../activities/activityFailure';
import { ModelOutputTruncatedError, ModelRefusedError } from '../../src/errors';

describe('an answer cut short or refused, on its way into Temporal’s history', () => {
  it('becomes a non-retryable ApplicationFailure typed ModelOutputTruncatedError', () => {
    const failure = toActivityFailure(new ModelOutputTruncatedError('planner', 'gpt-4.1', 2000, 'max_output_tokens', 'planner: cut short'));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'ModelOutputTruncatedError');
    assert.equal(failure.nonRetryable, true);
  });

  it('becomes a non-retryable ApplicationFailure typed ModelRefusedError', () => {
    const failure = toActivityFailure(new ModelRefusedError('writer', 'gpt-4.1', 'refusal', 'writer: gpt-4.1 refused to answer'));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'ModelRefusedError');
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.message, 'writer: gpt-4.1 refused to answer');
  });
});
