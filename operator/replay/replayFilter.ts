import type { ResearchRequested } from '../../src/contracts/researchRequested';

/**
 * Parses `metadata.KEY=VALUE` filters into a predicate: a request must match all of them.
 *
 * @example
 * const accept = parseWhere(['metadata.team=platform']);
 * accept({ requestId: 'r1', query: 'q', metadata: { team: 'platform' } }); // true
 */
export function parseWhere(filters: readonly string[]): (request: ResearchRequested) => boolean {
  const pairs = filters.map((filter) => {
    const match = /^metadata\.([^=]+)=(.*)$/.exec(filter);
    if (!match?.[1] || match[2] === undefined) throw new Error(`--where "${filter}" is not metadata.KEY=VALUE`);
    return { key: match[1], value: match[2] };
  });
  return (request) => pairs.every(({ key, value }) => request.metadata?.[key] === value);
}
