import fs from 'node:fs';
import path from 'node:path';
import { contractJsonSchemas } from './contractJsonSchemas';

/**
 * `npm run contracts:generate`: rewrites the generated contract files from the zod schemas.
 * `npm test` fails while they are stale.
 */
export const jsonSchemaDirectory = path.join(__dirname, 'json-schema');

export function generatedContractFiles(): Record<string, string> {
  return Object.fromEntries(Object.entries(contractJsonSchemas()).map(([file, text]) => [path.join(jsonSchemaDirectory, file), text]));
}

if (require.main === module) {
  fs.mkdirSync(jsonSchemaDirectory, { recursive: true });
  for (const [file, text] of Object.entries(generatedContractFiles())) {
    fs.writeFileSync(file, text);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
}
