import { z } from 'zod';
import { deadLetterHeadersSchema } from './deadLetterRecord';
import { researchCancelSchema } from './researchCancel';
import { researchCompletedSchema } from './researchCompleted';
import { researchFailedSchema } from './researchFailed';
import { researchProgressSchema } from './researchProgress';
import { researchRequestedSchema } from './researchRequested';

/** The event schemas by file name; the JSON Schema files are generated from these zod schemas. */
const contracts = {
  'research.requested.v1.schema.json': { schema: researchRequestedSchema, io: 'input' },
  'research.cancel.v1.schema.json': { schema: researchCancelSchema, io: 'input' },
  'research.completed.v1.schema.json': { schema: researchCompletedSchema, io: 'output' },
  'research.failed.v1.schema.json': { schema: researchFailedSchema, io: 'output' },
  'research.progress.v1.schema.json': { schema: researchProgressSchema, io: 'output' },
  'research.requested.dlq.headers.v1.schema.json': { schema: deadLetterHeadersSchema, io: 'output' },
} as const;

/** The JSON text of every contract's JSON Schema, as checked in under src/contracts/json-schema/. */
export function contractJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [file, { schema, io }] of Object.entries(contracts)) {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io });
    files[file] = `${JSON.stringify({ $id: `https://research-relay.dev/schemas/${file}`, ...json }, null, 2)}\n`;
  }
  return files;
}
