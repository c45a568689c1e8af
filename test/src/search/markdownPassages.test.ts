import assert from 'node:assert/strict';
import test from 'node:test';
import { countWords, headingSlug, splitMarkdownPassages } from '../../../src/search/markdownPassages';

/** `count` sentences of ten words each, so word budgets are easy to reason about. */
function sentences(count: number, topic: string): string {
  return Array.from({ length: count }, (_, i) => `The ${topic} sentence number ${i} has exactly ten words here.`).join(' ');
}

void test('passages split at headings and stay within the word budget', () => {
  const markdown = [
    '# Offsets',
    '',
    sentences(2, 'offsets'),
    '',
    '## Committing',
    '',
    sentences(3, 'committing'),
    '',
    sentences(3, 'committing'),
    '',
    sentences(3, 'committing'),
    '',
    '### Lag',
    '',
    sentences(1, 'lag'),
  ].join('\n');

  const { title, passages } = splitMarkdownPassages(markdown, { fallbackTitle: 'ignored', maxPassageWords: 70 });

  assert.equal(title, 'Offsets');
  assert.deepEqual(
    passages.map((p) => [p.heading, p.slug, p.wordCount]),
    [
      ['Offsets', 'offsets', 20],
      // Three 30-word paragraphs under a 70-word budget: two fit together, the third starts a new passage.
      ['Committing', 'committing', 60],
      ['Committing', 'committing', 30],
      ['Lag', 'lag', 10],
    ],
  );
  for (const passage of passages) {
    assert.ok(passage.wordCount <= 70, `${passage.heading} has ${passage.wordCount} words`);
    assert.equal(passage.wordCount, countWords(passage.text));
    assert.doesNotMatch(passage.text, /^#/m, 'a passage never contains a heading line');
    assert.ok(passage.text.includes(passage.heading.toLowerCase()), 'text stays under its own heading');
  }
});

void test('a paragraph longer than the budget is cut at sentence ends and no words are lost', () => {
  const paragraph = sentences(10, 'long');
  const { passages } = splitMarkdownPassages(`# Long\n\n${paragraph}`, { fallbackTitle: 'x', maxPassageWords: 25 });

  assert.deepEqual(passages.map((p) => p.wordCount), [20, 20, 20, 20, 20]);
  for (const passage of passages) assert.match(passage.text, /here\.$/, 'each piece ends at a sentence end');
  assert.equal(passages.map((p) => p.text).join(' '), paragraph);
});

void test('a single sentence longer than the budget is cut at word boundaries', () => {
  const sentence = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
  const { passages } = splitMarkdownPassages(sentence, { fallbackTitle: 'notes', maxPassageWords: 20 });

  assert.deepEqual(passages.map((p) => p.wordCount), [20, 20, 10]);
  assert.equal(passages.map((p) => p.text).join(' '), sentence);
});

void test('text before any heading takes the fallback title and has no anchor', () => {
  const { title, passages } = splitMarkdownPassages('Plain notes without headings.\n\nSecond paragraph.', {
    fallbackTitle: 'notes',
  });

  assert.equal(title, 'notes');
  assert.deepEqual(passages, [
    { heading: 'notes', slug: '', text: 'Plain notes without headings.\n\nSecond paragraph.', wordCount: 6 },
  ]);
});

void test('repeated headings get distinct anchors the way GitHub numbers them', () => {
  const markdown = '# Guide\n\n## Setup\n\none\n\n## Setup\n\ntwo\n\n## Setup\n\nthree';
  const { passages } = splitMarkdownPassages(markdown, { fallbackTitle: 'x' });

  assert.deepEqual(passages.map((p) => p.slug), ['setup', 'setup-1', 'setup-2']);
  assert.equal(headingSlug('Offsets, commits & lag'), 'offsets-commits--lag');
});

void test('a hash line inside a fenced code block is not a heading', () => {
  const markdown = '# Config\n\n## Broker\n\n```properties\n# retention in ms\n\nretention.ms=604800000\n```\n\nAfter the block.';
  const { passages } = splitMarkdownPassages(markdown, { fallbackTitle: 'x' });

  assert.deepEqual(passages.map((p) => p.heading), ['Broker']);
  assert.match(passages[0]?.text ?? '', /# retention in ms\n\nretention\.ms=604800000\n```\n\nAfter the block\.$/);
});

void test('a word budget below one is rejected', () => {
  assert.throws(() => splitMarkdownPassages('text', { fallbackTitle: 'x', maxPassageWords: 0 }), RangeError);
});
