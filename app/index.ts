/**
 * research-relay's public API — the one entry point of the package (`import … from 'research-relay'`).
 * Each export's own documentation carries an example.
 *
 * @example
 * import { createResearchClient } from 'research-relay';
 * const client = createResearchClient({ brokers: ['127.0.0.1:9092'] });
 * const { requestId } = await client.request({ query: 'What limits battery recycling?' });
 * const result = await client.waitForResult(requestId);
 * await client.close();
 */

// Producers and subscribers: the typed client.
export { createResearchClient } from '../src/client/researchClient';
export type { ProgressUpdate, ResearchCancelOptions, ResearchClient, ResearchClientOptions, ResearchRequestInput, RunEvent, SentCancel, SentRequest, SubscribeOptions, WaitForResultOptions } from '../src/client/researchClient';
export type { ResultEvent } from '../src/client/resultEvent';

// Operators: batch replays and dead letters.
export { replayRequests } from '../operator/replay/requestReplay';
export type { ReplayCounts, ReplayMode, ReplayOptions, ReplayProgress, ReplaySummary } from '../operator/replay/requestReplay';
export { parseReplayBound } from '../operator/replay/replayRange';
export type { ReplayBound } from '../operator/replay/replayRange';
export { readDeadLetters, streamDeadLetters } from '../operator/deadLetters/deadLetterReader';
export type { DeadLetter, DeadLetterFilter } from '../operator/deadLetters/deadLetterReader';
export { redriveDeadLetters } from '../operator/deadLetters/deadLetterRedrive';
export type { RedriveResult } from '../operator/deadLetters/deadLetterRedrive';
export { startCodecServer } from '../operator/codecServer/codecServer';
export type { CodecServer, CodecServerOptions } from '../operator/codecServer/codecServer';

// The event contracts.
export { researchRequestedSchema, researchRequestedType } from '../src/contracts/researchRequested';
export type { ResearchRequested } from '../src/contracts/researchRequested';
export { researchCancelSchema, researchCancelType } from '../src/contracts/researchCancel';
export type { ResearchCancel } from '../src/contracts/researchCancel';
export { researchCompletedSchema, researchCompletedType } from '../src/contracts/researchCompleted';
export type { ResearchCompleted, ResearchReport, SearchOutcome } from '../src/contracts/researchCompleted';
export { researchFailedSchema, researchFailedType } from '../src/contracts/researchFailed';
export type { ResearchFailed, ResearchStage } from '../src/contracts/researchFailed';
export { researchProgressSchema, researchProgressType } from '../src/contracts/researchProgress';
export type { ProgressStep, ResearchProgressEvent } from '../src/contracts/researchProgress';
export { budgetExceededType, runBudgetSchema } from '../src/contracts/runBudget';
export type { BudgetStop, RunBudget } from '../src/contracts/runBudget';
export { deadLetterHeaderNames, deadLetterReasons } from '../src/contracts/deadLetterRecord';
export type { DeadLetterReason } from '../src/contracts/deadLetterRecord';

// Trace context (W3C), for producers that carry their own traces.
export { newTraceContext, parseTraceparent } from '../src/telemetry/traceContext';
export type { TraceContext } from '../src/telemetry/traceContext';

// Embedding the service.
export { loadRelayConfig } from '../src/config/relayConfig';
export type { CancelSettings, RelayConfig } from '../src/config/relayConfig';
export type { RunSettings } from '../src/config/runSettings';
export { prefixedNameVariables } from '../src/config/prefixedNames';
export { RelayService } from './service/relayService';
export type { RelayServiceOptions } from './service/relayService';
export { startTelemetry } from '../src/telemetry/telemetry';

// Payload encryption: the codec every client and worker uses when keys are configured.
export { PayloadEncryptionCodec } from '../src/temporal/payloadEncryptionCodec';
// A Temporal client of your own (e.g. `temporal` for replayRequests) should use the relay's converter.
export { temporalDataConverter } from '../src/temporal/temporalDataConverter';
export type { PayloadEncryptionSettings } from '../src/config/payloadEncryptionSettings';

// Errors, each saying whether a retry can help.
export {
  ConfigurationError,
  EventInvalidError,
  InvalidRequestError,
  isRetryable,
  ModelOutputInvalidError,
  ModelOutputTruncatedError,
  ModelRefusedError,
  ModelRequestError,
  PayloadDecryptionError,
  PublishError,
  RelayError,
  RunNotStartedYetError,
  SearchBackendRejectedError,
  SearchBackendUnavailableError,
  StartRejectedError,
  TemporalUnavailableError,
} from '../src/errors';
