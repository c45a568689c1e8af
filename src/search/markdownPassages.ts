/**
 * Splits a markdown (or plain text) document into passages small enough to put several into
 * one prompt, each tied to the heading a reader can jump to.
 */

/** A run of text under one heading, at most the word budget long. */
export interface MarkdownPassage {
  /** The nearest heading above the text; the document title for text before any heading. */
  readonly heading: string;
  /** GitHub-style anchor of `heading`, unique within the document; `''` for text before any heading. */
  readonly slug: string;
  readonly text: string;
  readonly wordCount: number;
}

/** A document's title and its passages in document order. */
export interface MarkdownDocument {
  readonly title: string;
  readonly passages: MarkdownPassage[];
}

/** Options for {@link splitMarkdownPassages}. */
export interface SplitOptions {
  /** Title to use when the document has no `# ` heading (typically the file name). */
  readonly fallbackTitle: string;
  /** Word budget per passage; paragraphs are merged up to it and longer ones cut down to it. Default 180. */
  readonly maxPassageWords?: number;
}

/** Passage budget when none is given: several passages fit in one prompt with room for instructions. */
export const defaultMaxPassageWords = 180;

/**
 * Cuts a document at its ATX headings (`#` to `######`), then at blank lines, and packs
 * consecutive paragraphs of the same section into passages of at most `maxPassageWords`
 * words. A paragraph over the budget is cut at sentence ends, and a sentence over the budget
 * at word boundaries, so no passage ever exceeds it. Passages never span a heading, so each
 * one's `slug` points at the section it came from.
 *
 * @example
 * ```ts
 * const { title, passages } = splitMarkdownPassages('# Offsets\n\nA consumer commits...\n\n## Lag\n\nLag is...', {
 *   fallbackTitle: 'offsets.md',
 * });
 * // title === 'Offsets'; passages[1] is { heading: 'Lag', slug: 'lag', text: 'Lag is...', wordCount: 2 }
 * ```
 */
export function splitMarkdownPassages(markdown: string, options: SplitOptions): MarkdownDocument {
  const maxWords = options.maxPassageWords ?? defaultMaxPassageWords;
  if (!Number.isInteger(maxWords) || maxWords < 1) {
    throw new RangeError(`maxPassageWords must be a positive integer, got ${maxWords}`);
  }

  const sections = readSections(markdown);
  const title = sections.find((section) => section.depth === 1)?.heading ?? options.fallbackTitle;
  const slugs = new SlugRegistry();

  const passages: MarkdownPassage[] = [];
  for (const section of sections) {
    const heading = section.heading ?? title;
    const slug = section.heading === undefined ? '' : slugs.claim(section.heading);
    for (const text of packParagraphs(section.paragraphs, maxWords)) {
      passages.push({ heading, slug, text, wordCount: countWords(text) });
    }
  }
  return { title, passages };
}

/**
 * The anchor GitHub (and most markdown renderers) give a heading: lower case, punctuation
 * dropped, spaces turned into hyphens.
 *
 * @example
 * ```ts
 * headingSlug('Offsets, commits & lag'); // 'offsets-commits--lag'
 * ```
 */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/**
 * Whitespace-separated words, the unit of the passage budget.
 *
 * @example
 * ```ts
 * countWords('Offsets start at  zero.\n'); // 4
 * ```
 */
export function countWords(text: string): number {
  return wordsOf(text).length;
}

interface Section {
  /** Undefined for text before the first heading. */
  readonly heading: string | undefined;
  readonly depth: number;
  readonly paragraphs: string[];
}

const headingLine = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const fenceLine = /^ {0,3}(```|~~~)/;

function readSections(markdown: string): Section[] {
  const sections: Section[] = [{ heading: undefined, depth: 0, paragraphs: [] }];
  let paragraph: string[] = [];
  let fence: string | undefined;

  const current = (): Section => sections[sections.length - 1] as Section;
  const endParagraph = (): void => {
    const text = paragraph.join('\n').trim();
    if (text) current().paragraphs.push(text);
    paragraph = [];
  };

  for (const line of markdown.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    // Inside a fenced code block '#' starts a comment, not a heading, and blank lines do not
    // end the block: the whole block stays one paragraph.
    const fenceMatch = fenceLine.exec(line);
    if (fence !== undefined) {
      paragraph.push(line);
      if (fenceMatch?.[1] === fence) {
        fence = undefined;
        endParagraph();
      }
      continue;
    }
    if (fenceMatch) {
      endParagraph();
      fence = fenceMatch[1];
      paragraph.push(line);
      continue;
    }

    const headingMatch = headingLine.exec(line);
    if (headingMatch?.[1] && headingMatch[2]) {
      endParagraph();
      sections.push({ heading: headingMatch[2].trim(), depth: headingMatch[1].length, paragraphs: [] });
    } else if (line.trim() === '') {
      endParagraph();
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  return sections;
}

/** Greedily packs paragraphs, in order, into texts of at most `maxWords` words. */
function packParagraphs(paragraphs: readonly string[], maxWords: number): string[] {
  return pack(
    paragraphs.flatMap((paragraph) => cutToBudget(paragraph, maxWords)),
    maxWords,
    '\n\n',
  );
}

/** A paragraph as pieces of at most `maxWords` words, cut at sentence ends where possible. */
function cutToBudget(paragraph: string, maxWords: number): string[] {
  if (countWords(paragraph) <= maxWords) return [paragraph];
  const units = paragraph.split(/(?<=[.!?])\s+/).flatMap((sentence) => {
    const words = wordsOf(sentence);
    if (words.length <= maxWords) return [sentence];
    // Only a sentence longer than the whole budget is cut mid-sentence.
    const chunks: string[] = [];
    for (let start = 0; start < words.length; start += maxWords) {
      chunks.push(words.slice(start, start + maxWords).join(' '));
    }
    return chunks;
  });
  return pack(units, maxWords, ' ');
}

/** Joins consecutive units while the total stays within `maxWords`; each unit must fit on its own. */
function pack(units: readonly string[], maxWords: number, separator: string): string[] {
  const packed: string[] = [];
  let pending: string[] = [];
  let pendingWords = 0;
  for (const unit of units) {
    const words = countWords(unit);
    if (pending.length > 0 && pendingWords + words > maxWords) {
      packed.push(pending.join(separator));
      pending = [];
      pendingWords = 0;
    }
    pending.push(unit);
    pendingWords += words;
  }
  if (pending.length > 0) packed.push(pending.join(separator));
  return packed;
}

function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

/** Hands out heading anchors the way GitHub does: a repeated heading gets `-1`, `-2`, ... */
class SlugRegistry {
  private readonly seen = new Map<string, number>();

  claim(heading: string): string {
    const base = headingSlug(heading);
    const count = this.seen.get(base) ?? 0;
    this.seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count}`;
  }
}
