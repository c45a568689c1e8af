import assert from 'node:assert/strict';
import type { SearchMaterial } from '../../../src/search/searchProvider';

/**
 * Asserts the contract of retrieved material: no hosted tools, exactly one `[n]` block per
 * source in order, and block `[n]` naming `sources[n - 1]`'s title and url.
 */
export function assertLabelledBlocks(material: SearchMaterial): void {
  assert.deepEqual(material.tools, []);
  const labels = [...material.context.matchAll(/^\[(\d+)\] /gm)].map((match) => Number(match[1]));
  assert.deepEqual(labels, material.sources.map((_, i) => i + 1), material.context);
  const blocks = material.context.split(/\n\n(?=\[\d+\] )/);
  material.sources.forEach((source, i) => {
    assert.ok(blocks[i]?.startsWith(`[${i + 1}] ${source.title} (${source.url})\n`), `block ${i + 1} describes ${source.url}:\n${blocks[i]}`);
  });
}
