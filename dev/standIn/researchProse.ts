import type { SeededRandom } from './seededRandom';
import type { TopicTerms } from './topicTerms';

/*
 * Sentence-level building blocks for stand-in answers. The text is written to read like a
 * cautious research assistant talking about the request's own subject; it is never meant to be
 * true, only plausible, deterministic and clearly shaped (queries look like queries, questions end
 * with "?", summaries are a few sentences).
 *
 * `index` is the position of the enclosing array item: rotating templates and terms by it keeps
 * sibling items distinct ("Return exactly 7 search items" yields seven different searches).
 */

const sentenceTemplates = [
  'Recent studies of {a} suggest that {b} is the main factor shaping outcomes, although the size of the effect varies between settings.',
  'Evidence on {a} remains uneven: controlled trials are rare, while observational work on {b} dominates the literature.',
  'Practitioners describe {a} as a trade-off between cost and reliability, and {b} is where that trade-off is most visible.',
  'Comparisons across regions show that results for {a} depend heavily on local conditions, especially {b}.',
  'Several reviews point out that measurements of {a} are not standardised, which makes direct comparison with {b} difficult.',
  'The strongest results come from long-running programmes that tracked {a} alongside {b} over several years.',
  'Critics argue that enthusiasm for {a} has outpaced the data, particularly where {b} is concerned.',
  'Cost estimates for {a} have fallen steadily, but uncertainty about {b} still dominates planning decisions.',
  'Regulators have begun to address {a}, with draft guidance that treats {b} as a separate risk category.',
  'Case studies highlight that {a} succeeds when teams invest early in {b} rather than treating it as an afterthought.',
  'Open datasets on {a} are growing, which allows independent groups to test published claims about {b}.',
  'Taken together, the sources indicate that {a} is maturing, yet questions about {b} and {c} remain open.',
  'Industry reports and academic papers agree on the direction of travel for {a}, but they disagree on how quickly {b} will follow.',
  'A recurring finding is that {a} performs best when it is paired with careful attention to {c}.',
  'Where {a} has failed, post-mortems usually cite weak assumptions about {b} rather than the core idea itself.',
  'Survey data on {a} show broad interest, although actual adoption lags behind stated intentions, especially around {b}.',
  'Methodological debates about {a} centre on sample sizes and on how {b} is defined and measured.',
  'Interviews with experts suggest that progress on {a} now depends less on technology and more on {c}.',
  'The literature on {a} from {year} onwards is noticeably more quantitative than earlier work on {b}.',
  'For decision makers, the practical question is not whether {a} works, but under which conditions {b} makes it worthwhile.',
] as const;

const reasonTemplates = [
  'Establishes the current state of {a} so the report can anchor later findings in a shared baseline.',
  'Collects quantitative evidence on {a}, which is needed to judge how strong the claims about {b} are.',
  'Looks for critical or dissenting views on {a} to balance the overall picture.',
  'Identifies recent developments in {a} that may change the conclusions about {b}.',
  'Compares {a} across regions and sectors to show where the results on {b} differ.',
  'Finds expert commentary on {a} that explains the mechanisms behind {b}.',
  'Checks the regulatory and policy context for {a}, which shapes how {b} can be applied in practice.',
  'Gathers cost and adoption figures for {a} to ground the discussion of {b} in numbers.',
  'Surfaces documented case studies of {a} so the report can cite concrete outcomes rather than forecasts.',
  'Tests whether the link between {a} and {b} holds up in independent replications.',
] as const;

const queryTemplates = [
  '{a} {b} latest research',
  '{a} evidence review {year}',
  '{a} vs {b} comparison',
  '{a} challenges and limitations',
  '{a} case studies {b}',
  '{a} adoption statistics {year}',
  '{a} regulation and policy {b}',
  'expert analysis {a} {b}',
  '{a} {b} meta-analysis',
  'how does {a} affect {b}',
  '{a} cost benefit analysis',
  '{a} long-term outcomes {c}',
] as const;

const questionTemplates = [
  'What evidence would show whether {a} improves {b} over the long term?',
  'How do the costs of {a} compare with the alternatives once {b} is taken into account?',
  'Which groups are most affected by changes in {a}, and how is {b} distributed among them?',
  'What are the main open risks in scaling {a} beyond pilot projects?',
  'How might new regulation change the outlook for {a} and {b}?',
  'Which datasets could independently verify the published claims about {a}?',
  'What would a rigorous comparison of {a} and {b} need to measure?',
  'Where do experts disagree most about {a}, and why?',
  'How sensitive are the findings on {a} to assumptions about {c}?',
  'What has changed in {a} since {year}, and does it alter the role of {b}?',
] as const;

const titleTemplates = [
  '{Topic}: evidence, trade-offs and open questions',
  'The state of {topic}',
  '{Topic} in practice: what the research shows',
  'Understanding {topic}: a research briefing',
] as const;

/** How thin inputs are padded: prose talks about aspects of the topic, queries add search facets. */
type Padding = 'prose' | 'query';

/**
 * Distinct terms for one sentence. `a` is always a term from the request itself; `b` and `c`
 * may be padding when the request names fewer than four subjects.
 */
function termSlots(terms: TopicTerms, random: SeededRandom, index: number, padding: Padding): { a: string; b: string; c: string } {
  // Keywords already inside a phrase would repeat it ("heat pumps ... heat"), so they are left out.
  const loose = terms.keywords.filter((keyword) => !terms.phrases.some((phrase) => phrase.split(' ').includes(keyword)));
  const real = [...new Set([...terms.phrases, ...loose])];
  // Thin inputs first use the parts of linked phrases ("microplastics", "drinking water").
  for (const part of terms.phrases.flatMap((phrase) => phrase.split(/ (?:of|in|for|on) /))) {
    if (real.length < 4 && !real.includes(part)) real.push(part);
  }
  if (real.length === 0) real.push(terms.topic);
  const aspects =
    padding === 'query'
      ? ['costs', 'efficiency data', 'policy', 'adoption rates']
      : [`the economics of ${terms.topic}`, `regulation of ${terms.topic}`, 'long-term outcomes', 'measurement methods'];
  const offset = random.int(0, real.length - 1) + index;
  const a = real[offset % real.length] ?? terms.topic;
  const rest = [...real, ...aspects.slice(0, Math.max(0, 4 - real.length))].filter((term) => term !== a);
  const b = rest[offset % rest.length] ?? aspects[0] ?? terms.topic;
  const c = rest[(offset + 1) % rest.length] ?? aspects[1] ?? terms.topic;
  return { a, b, c };
}

function fill(template: string, terms: TopicTerms, random: SeededRandom, index: number, padding: Padding = 'prose'): string {
  const { a, b, c } = termSlots(terms, random, index, padding);
  const year = String(2019 + random.int(0, 5));
  return template
    .replaceAll('{Topic}', capitalise(terms.topic))
    .replaceAll('{topic}', terms.topic)
    .replaceAll('{A}', capitalise(a))
    .replaceAll('{a}', a)
    .replaceAll('{b}', b)
    .replaceAll('{c}', c)
    .replaceAll('{year}', year);
}

/** Picks a template by index rotation (siblings differ) with a seeded starting point. */
function rotate<T>(templates: readonly T[], random: SeededRandom, index: number): T {
  const template = templates[(random.int(0, templates.length - 1) + index) % templates.length];
  if (template === undefined) throw new RangeError('no templates');
  return template;
}

/** Upper-cases the first letter, leaving acronyms and the rest untouched. */
export function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase('en') + text.slice(1);
}

/** Counts words the way a reader would: tokens that contain a letter or a digit. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter((token) => /[\p{L}\p{N}]/u.test(token)).length;
}

/** One declarative research sentence about the topic. */
export function researchSentence(terms: TopicTerms, random: SeededRandom, index = 0): string {
  return capitalise(fill(rotate(sentenceTemplates, random, index), terms, random, index));
}

/** A paragraph of `sentences` research sentences without repeating a template. */
export function researchParagraph(terms: TopicTerms, random: SeededRandom, sentences: number): string {
  const start = random.int(0, sentenceTemplates.length - 1);
  const lines: string[] = [];
  for (let i = 0; i < sentences; i += 1) {
    const template = sentenceTemplates[(start + i * 7) % sentenceTemplates.length] ?? sentenceTemplates[0];
    lines.push(capitalise(fill(template, terms, random.fork(`s${i}`), i)));
  }
  return lines.join(' ');
}

/** Why a search or step is worth doing, as one sentence. */
export function reasonSentence(terms: TopicTerms, random: SeededRandom, index = 0): string {
  return fill(rotate(reasonTemplates, random, index), terms, random, index);
}

/** A search-engine query: a few keywords, no punctuation, no question mark. */
export function searchQuery(terms: TopicTerms, random: SeededRandom, index = 0): string {
  return fill(rotate(queryTemplates, random, index), terms, random, index, 'query');
}

/** A follow-up research question ending with "?". */
export function researchQuestion(terms: TopicTerms, random: SeededRandom, index = 0): string {
  return capitalise(fill(rotate(questionTemplates, random, index), terms, random, index));
}

/** A headline-style title for the topic. */
export function researchTitle(terms: TopicTerms, random: SeededRandom, index = 0): string {
  return capitalise(fill(rotate(titleTemplates, random, index), terms, random, index));
}

/** A two-to-three sentence summary, the shape agents use for `shortSummary`. */
export function shortSummary(terms: TopicTerms, random: SeededRandom): string {
  const opening = `This report examines ${terms.topic}, drawing on published research, industry data and expert commentary.`;
  const middle = researchSentence(terms, random.fork('middle'));
  const closing = random.chance(0.5)
    ? `Overall, the evidence supports cautious optimism about ${terms.topic}, with clear gaps still to close.`
    : undefined;
  return [opening, middle, closing].filter((line) => line !== undefined).join(' ');
}

/**
 * Two or three paragraphs, always under 300 words: what a search agent returns for one query.
 */
export function searchSummary(terms: TopicTerms, random: SeededRandom, index = 0): string {
  const count = random.int(2, 3);
  const paragraphs: string[] = [];
  for (let i = 0; i < count; i += 1) {
    paragraphs.push(researchParagraph(terms, random.fork(`p${i}-${index}`), 3));
  }
  // Dropping the last paragraph keeps the bound even if long keywords inflate the sentences.
  while (paragraphs.length > 2 && wordCount(paragraphs.join('\n\n')) >= 300) paragraphs.pop();
  return paragraphs.join('\n\n');
}

/** The plain-text answer for requests without a JSON schema. */
export function plainAnswer(terms: TopicTerms, random: SeededRandom): string {
  const intro = `Here is what the available evidence says about ${terms.topic}.`;
  const body = [0, 1, 2].map((i) => researchParagraph(terms, random.fork(`answer-${i}`), 3));
  return [`${intro} ${body[0] ?? ''}`, ...body.slice(1)].join('\n\n');
}
