/**
 * research-relay's public API: the typed client for producers and subscribers, replay for
 * batch research, the event contracts, and the service for embedding.
 *
 * @example
 * import { createResearchClient } from 'research-relay';
 * const client = createResearchClient({ brokers: ['127.0.0.1:9092'] });
 * const { requestId } = await client.request({ query: 'What limits battery recycling?' });
 * const result = await client.waitForResult(requestId);
 */
export { createResearchClient } from './client/researchClient';
export { newTraceparent } from './telemetry/newTraceparent';
export type { ResearchClient, ResearchClientOptions, ResearchRequestInput, SentRequest, SubscribeOptions } from './client/researchClient';
export type { ResultEvent } from './client/resultEvent';
export { replayRequests, parseReplayBound } from '../consumers/requestReplay';
export type { ReplayOptions, ReplaySummary, ReplayProgress, ReplayMode } from '../consumers/requestReplay';
export { readDeadLetters, redriveDeadLetters } from '../consumers/deadLetterRedrive';
export type { DeadLetter, DeadLetterFilter } from '../consumers/deadLetterRedrive';
export { researchRequestedSchema, researchRequestedType } from './contracts/researchRequested';
export type { ResearchRequested } from './contracts/researchRequested';
export { researchCompletedSchema, researchCompletedType } from './contracts/researchCompleted';
export type { ResearchCompleted, ResearchReport, SearchOutcome } from './contracts/researchCompleted';
export { researchFailedSchema, researchFailedType } from './contracts/researchFailed';
export type { ResearchFailed, ResearchStage } from './contracts/researchFailed';
export { deadLetterHeaderNames } from './contracts/deadLetterRecord';
export { loadRelayConfig } from './config/relayConfig';
export { prefixedNameVariables } from './config/prefixedNames';
export type { RelayConfig } from './config/relayConfig';
export { RelayService } from './main/relayService';
export { startTelemetry } from './telemetry/telemetry';
export { startStandInServer } from './standIn';
export * from './errors';
