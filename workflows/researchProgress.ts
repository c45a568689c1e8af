import { defineQuery } from '@temporalio/workflow';
import type { ResearchStage } from '../src/contracts/researchFailed';

/** Where a run is: its stage and how its searches are going. */
export interface ResearchProgress {
  readonly stage: ResearchStage | 'done' | 'failed';
  readonly searchesPlanned: number;
  readonly searchesSucceeded: number;
  readonly searchesFailed: number;
  readonly traceId: string;
}

/** `research-relay status <requestId>` asks a run this query. */
export const researchProgressQuery = defineQuery<ResearchProgress>('researchProgress');
