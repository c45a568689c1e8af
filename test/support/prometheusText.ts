/** One sample line of a Prometheus text exposition: `name{label="value",…} 12.5`. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a scrape (comments and blank lines skipped; label values unescaped). */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line.trim());
    if (!match || line.startsWith('#')) continue;
    const [, name = '', labelText = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', raw = ''] of labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = raw.replace(/\\(["\\n])/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** The samples named `name` whose labels include every one of `where`. */
export function samplesOf(samples: readonly PrometheusSample[], name: string, where: Readonly<Record<string, string>> = {}): PrometheusSample[] {
  return samples.filter((sample) => sample.name === name && Object.entries(where).every(([key, value]) => sample.labels[key] === value));
}

/** The sum of the values of the matching samples (0 when none match). */
export function sumOf(samples: readonly PrometheusSample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  return samplesOf(samples, name, where).reduce((sum, sample) => sum + sample.value, 0);
}
