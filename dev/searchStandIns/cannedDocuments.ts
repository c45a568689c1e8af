/** A page the search stand-ins can find. */
export interface CannedDocument {
  readonly title: string;
  readonly url: string;
  readonly content: string;
}

/** A handful of pages, on the topics the other stand-ins and the sample corpus use. */
export const cannedDocuments: readonly CannedDocument[] = [
  {
    title: 'Kafka consumer offsets explained',
    url: 'https://kafka.example.org/docs/consumer-offsets',
    content: 'A Kafka consumer commits offsets to record how far it has read a partition. Committing after processing gives at-least-once delivery; the group coordinator stores committed offsets in the __consumer_offsets topic.',
  },
  {
    title: 'Consumer lag and rebalances',
    url: 'https://kafka.example.org/blog/consumer-lag',
    content: 'Consumer lag is the distance between the latest offset of a partition and the committed offset of a consumer group. A rebalance reassigns partitions when a consumer joins or leaves the group.',
  },
  {
    title: 'Temporal activity retries',
    url: 'https://temporal.example.org/docs/activity-retries',
    content: 'Temporal retries a failed activity according to its retry policy: an initial interval, a backoff coefficient and a maximum number of attempts. Non-retryable error types stop the retries at once.',
  },
  {
    title: 'Direct lithium extraction from geothermal brine',
    url: 'https://energy.example.org/geothermal-lithium',
    content: 'Geothermal brines carry dissolved lithium. Direct lithium extraction uses sorbents or ion exchange to pull lithium from the hot brine before it is reinjected, with far less water and land than evaporation ponds.',
  },
  {
    title: 'Heat pumps in cold climates',
    url: 'https://energy.example.org/heat-pumps-cold-climates',
    content: 'Modern air-source heat pumps keep a coefficient of performance above two down to minus fifteen degrees Celsius, using variable-speed compressors and vapour injection.',
  },
  {
    title: 'Exponential backoff with jitter',
    url: 'https://architecture.example.org/backoff-and-jitter',
    content: 'Retrying with exponential backoff spaces attempts further apart each time; adding random jitter keeps many clients from retrying in lock-step after an outage. Honour Retry-After when a server sends it.',
  },
];

const stopWords = new Set('a an and are as at be by for from how in is it of on or the to what when where which why with'.split(' '));

/** The words of a query that can match a page: lower case, stop words and short words dropped, plural s folded. */
function terms(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 3 && !stopWords.has(word))
    .map((word) => (word.length > 4 && word.endsWith('s') ? word.slice(0, -1) : word));
}

/**
 * The canned pages that share a word with the query, best first, each with a score in (0, 1];
 * a query that shares none (a nonsense word) finds nothing.
 */
export function matchingDocuments(query: string): { document: CannedDocument; score: number }[] {
  const wanted = new Set(terms(query));
  if (wanted.size === 0) return [];
  return cannedDocuments
    .map((document) => {
      const words = new Set(terms(`${document.title} ${document.content}`));
      const hits = [...wanted].filter((term) => words.has(term)).length;
      return { document, score: Math.round((hits / wanted.size) * 1000) / 1000 };
    })
    .filter((match) => match.score > 0)
    .sort((a, b) => b.score - a.score);
}
