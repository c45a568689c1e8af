/**
 * The OpenAI stand-in: an OpenAI-compatible HTTP server for tests and offline runs.
 *
 * @example
 * import { startStandInServer } from './standIn';
 * const standIn = await startStandInServer();
 * const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'unused' });
 */
export { startStandInServer, type StandInOptions, type StandInServer } from './standInServer';
export type { RecordedCall } from './callLog';
export {
  parseFaultPlan,
  noFaults,
  faultPlanSchema,
  type Fault,
  type FaultKind,
  type FaultMatch,
  type FaultPlan,
  type FaultRule,
} from './faultPlan';
export { FaultPlanError, InvalidCallError } from './standInErrors';
export { estimateTokens, type UsageEstimate } from './usageEstimate';
