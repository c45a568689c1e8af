import { capitalise, researchParagraph, researchQuestion, researchTitle, shortSummary, wordCount } from './researchProse';
import type { SeededRandom } from './seededRandom';
import type { TopicTerms } from './topicTerms';

/** Report fields must be long enough to exercise the same limits a real writer agent hits. */
export const minimumReportWords = 1_100;

/**
 * A markdown research report about the request's topic: a title, an executive summary, one
 * finding section per key term, methods, implications, open questions, limitations and a
 * conclusion. Finding sections are added until the report reaches `minWords` words.
 *
 * @example
 * const report = markdownReport(topicTermsOf('Grid-scale storage economics'), createSeededRandom('x'));
 * report.startsWith('# '); // true
 */
export function markdownReport(terms: TopicTerms, random: SeededRandom, minWords = minimumReportWords): string {
  const paragraph = (label: string, sentences = 5): string => researchParagraph(terms, random.fork(label), sentences);
  const head = [
    `# ${researchTitle(terms, random.fork('title'))}`,
    '## Executive summary',
    shortSummary(terms, random.fork('summary')),
    paragraph('executive'),
    '## Background',
    paragraph('background-1'),
    paragraph('background-2'),
    '## Key findings',
  ];
  const subjects = [...new Set([...terms.phrases, ...terms.keywords])];
  const findings: string[] = [];
  const tail = [
    '## Evidence quality and methods',
    paragraph('methods'),
    '## Implications',
    paragraph('implications-1'),
    paragraph('implications-2', 4),
    '## Open questions',
    [0, 1, 2, 3].map((i) => `- ${researchQuestion(terms, random.fork(`question-${i}`), i)}`).join('\n'),
    '## Limitations of this report',
    `This report was assembled from secondary sources on ${terms.topic}. ${paragraph('limitations', 3)}`,
    '## Conclusion',
    paragraph('conclusion', 4),
  ];
  const render = (): string => [...head, ...findings, ...tail].join('\n\n');
  // At least three findings (a report without findings reads wrong), then more until long enough;
  // each adds roughly 200 words, and the cap only guards against a pathological loop.
  const atLeast = Math.min(subjects.length, 3);
  for (let section = 0; (section < atLeast || wordCount(render()) < minWords) && section < 200; section += 1) {
    const subject = subjects[section % Math.max(subjects.length, 1)] ?? terms.topic;
    const round = Math.floor(section / Math.max(subjects.length, 1));
    findings.push(
      `### ${capitalise(subject)}${round > 0 ? `: further evidence (${round + 1})` : ''}`,
      paragraph(`finding-${section}-a`),
      paragraph(`finding-${section}-b`, 4),
    );
  }
  return render();
}
