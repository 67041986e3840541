// Writes native-models/manifest.schema.json from the zod schema in electron/core/shared/manifest.ts.
// Run through `npm run gen:schema` (which builds first); test/unit/manifest-schema.test.ts fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { manifestJsonSchema } from '../dist/core/shared/manifest.js';

const target = fileURLToPath(new URL('../native-models/manifest.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
