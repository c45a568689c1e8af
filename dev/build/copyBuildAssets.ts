import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run build`, second step: the non-code files the compiled package reads at run time,
 * copied next to the JavaScript that reads them (the sample corpus of offline search).
 */
const root = path.resolve(__dirname, '..', '..');
const assets = ['src/search/sample-corpus'];

for (const asset of assets) {
  fs.cpSync(path.join(root, asset), path.join(root, 'dist', asset), { recursive: true });
}
