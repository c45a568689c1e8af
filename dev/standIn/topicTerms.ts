/**
 * The words a stand-in answer is built from. Real agents talk about what they were asked, so the
 * stand-in does too: a planner asked about "solid-state battery recycling" plans searches that
 * mention solid-state batteries and recycling, which keeps downstream tests and demos readable.
 */
export interface TopicTerms {
  /** Content words ranked by frequency, then by first appearance (at most 12). */
  readonly keywords: readonly string[];
  /** Runs of two or three adjacent content words, in order of appearance ("quantum sensing"). */
  readonly phrases: readonly string[];
  /** The best short name for the subject: the first phrase, else the leading keywords. */
  readonly topic: string;
}

// Function words plus the words prompts use to instruct rather than to name the subject.
const stopWords = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between
  both but by can could did do does doing down during each few for from further had has have having he her here
  hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off
  on once only or other our ours ourselves out over own same she should so some such than that the their theirs
  them themselves then there these they this those through to too under until up very was we were what when where
  which while who whom why will with would you your yours yourself yourselves
  return returns exactly item items search searches query queries json schema please provide write give list using
  use based following output format field fields answer respond response question questions task user assistant
  summary summarize summarise report reports markdown detailed short long brief plan planner must make sure
  include includes including want need tell explain describe find look regarding topic etc e g ie eg via per
  one two three four five six seven eight nine ten eleven twelve fifteen twenty several many much
  perform performs work works affect affects compare compared improve improves change changes happen happens mean
  means become becomes get gets make makes go goes seem seems show shows help helps lead leads cause causes know
  think say said see take come keep let put like latest recent current new best good bad better worse top key main
  important really actually still yet even well way ways thing things lot lots known unknown term terms
  research researcher researching reason`.split(/\s+/),
);

const fallback: TopicTerms = {
  keywords: ['research', 'evidence', 'methods', 'outcomes'],
  phrases: ['the research question'],
  topic: 'the research question',
};

/**
 * Extracts topic terms from the request input, topping up from the rest of the input and then the
 * instructions when the first line alone is too thin (a one-word input still deserves three keywords).
 *
 * @example
 * topicTermsOf('What is known about microplastics in drinking water?').topic; // 'microplastics in drinking water'
 */
export function topicTermsOf(input: string, instructions = ''): TopicTerms {
  // Agents put the subject first ("Research question: …", "Search: …") and bulk after it
  // (search summaries, passages) whose frequent words would drown the subject. So the first
  // line decides, and wider text only tops it up when it names fewer than three keywords.
  const firstLine = input.split('\n').find((line) => line.trim().length > 0) ?? '';
  const firstParagraph = input.split(/\n\s*\n/).find((paragraph) => paragraph.trim().length > 0) ?? '';
  let terms = analyse(firstLine);
  for (const wider of [firstParagraph, input, instructions]) {
    if (terms.keywords.length >= 3) break;
    terms = merge(terms, analyse(wider));
  }
  return terms.keywords.length === 0 ? fallback : terms;
}

/** Prepositions that may join two content runs into one phrase ("microplastics in drinking water"). */
const linkers = new Set(['of', 'in', 'for', 'on']);

function analyse(text: string): TopicTerms {
  const counts = new Map<string, { count: number; first: number }>();
  const phrases: string[] = [];
  let run: string[] = [];
  let link: string | undefined;
  const closeRun = (): void => {
    const words = run.slice(0, 5);
    while (words.length > 0 && linkers.has(words[words.length - 1] ?? '')) words.pop();
    if (words.filter((word) => !linkers.has(word)).length >= 2) phrases.push(words.join(' '));
    run = [];
    link = undefined;
  };
  let position = 0;
  for (const match of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)) {
    const word = normalise(match[0]);
    if (word === undefined) {
      const lower = match[0].toLowerCase();
      if (linkers.has(lower) && run.length > 0 && link === undefined) link = lower;
      else closeRun();
    } else {
      const seen = counts.get(word);
      if (seen) seen.count += 1;
      else counts.set(word, { count: 1, first: position++ });
      if (link !== undefined) run.push(link);
      link = undefined;
      run.push(word);
    }
    // Sentence punctuation after a word ends a phrase even without a stop word.
    const end = match.index + match[0].length;
    if (/[.,;:!?()]/.test(text.slice(end, end + 2))) closeRun();
  }
  closeRun();
  const keywords = [...counts.entries()]
    .sort(([, x], [, y]) => y.count - x.count || x.first - y.first)
    .slice(0, 12)
    .map(([word]) => word);
  const uniquePhrases = [...new Set(phrases)].slice(0, 8);
  const topic = uniquePhrases[0] ?? keywords.slice(0, 3).join(' ');
  return { keywords, phrases: uniquePhrases, topic };
}

function merge(primary: TopicTerms, extra: TopicTerms): TopicTerms {
  const keywords = [...new Set([...primary.keywords, ...extra.keywords])].slice(0, 12);
  const phrases = [...new Set([...primary.phrases, ...extra.phrases])].slice(0, 8);
  return { keywords, phrases, topic: primary.keywords.length > 0 ? primary.topic : (phrases[0] ?? keywords.join(' ')) };
}

/** The keyword form of a token, or undefined when it carries no subject matter. */
function normalise(token: string): string | undefined {
  const trimmed = token.replace(/['’-]+$/u, '').replace(/['’]s$/u, '');
  const lower = trimmed.toLowerCase();
  if (stopWords.has(lower)) return undefined;
  // Acronyms keep their case and may be short (EU, AI, CRISPR); everything else is lower-cased.
  if (/^\p{Lu}[\p{Lu}\p{N}]{1,7}$/u.test(trimmed)) return trimmed;
  if (lower.length < 3) return undefined;
  // Bare numbers are noise ("exactly 7"), but years name a period worth searching for.
  if (/^\p{N}+$/u.test(lower) && !/^(1[89]|20)\d\d$/.test(lower)) return undefined;
  return lower;
}
