import type { SeededRandom } from './seededRandom';
import type { TopicTerms } from './topicTerms';

/**
 * Values for JSON Schema string `format`s that zod emits (`z.email()`, `z.url()`, `z.uuid()`,
 * `z.iso.datetime()`, ...). They must also pass zod's own patterns, which are stricter than the
 * formats: zod's uuid wants a version nibble of 1-8 and an RFC variant, its datetime wants "Z".
 * Hosts use the reserved `.invalid` TLD and documentation IP ranges so nothing resolves.
 *
 * @returns undefined for formats the stand-in does not know (the caller falls back to text).
 */
export function formattedString(format: string, terms: TopicTerms, random: SeededRandom): string | undefined {
  const slug = asciiSlug(terms.keywords.slice(0, 3).join(' ')) || 'research';
  const hex = (length: number): string => Array.from({ length }, () => random.int(0, 15).toString(16)).join('');
  // A fixed epoch keeps dates deterministic: 2020-01-01 plus up to ~5 years.
  const instant = new Date(Date.UTC(2020, 0, 1) + random.int(0, 5 * 365 * 24 * 3600) * 1000);
  switch (format) {
    case 'date-time':
      return instant.toISOString();
    case 'date':
      return instant.toISOString().slice(0, 10);
    case 'time':
      return instant.toISOString().slice(11, 19);
    case 'email':
    case 'idn-email':
      return `${slug.replaceAll('-', '.')}@stand-in.invalid`;
    case 'uri':
    case 'url':
    case 'iri':
    case 'uri-reference':
    case 'iri-reference':
      return `https://stand-in.invalid/${slug}/${hex(8)}`;
    case 'hostname':
    case 'idn-hostname':
      return `${slug}.stand-in.invalid`;
    case 'uuid':
      return `${hex(8)}-${hex(4)}-4${hex(3)}-${random.pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
    case 'ipv4':
      return `192.0.2.${random.int(1, 254)}`;
    case 'ipv6':
      return `2001:db8::${hex(4)}`;
    case 'duration':
      return `P${random.int(1, 30)}D`;
    default:
      return undefined;
  }
}

/** Lower-case ASCII words joined by hyphens ("Solid-state batteries" → "solid-state-batteries"). */
export function asciiSlug(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}
