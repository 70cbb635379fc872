// `npm run schemas`: writes schemas/*.json from the zod schemas and removes files of
// schemas that no longer exist. test/unit/schemas.test.ts fails when this was not run.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderSchemaFiles, SCHEMAS_DIR } from "./schema-files.js";

const dir = join(import.meta.dirname, "..", SCHEMAS_DIR);
const files = renderSchemaFiles();

mkdirSync(dir, { recursive: true });
for (const existing of readdirSync(dir)) {
  if (existing.endsWith(".json") && !files.has(existing)) {
    rmSync(join(dir, existing));
    console.log(`removed ${SCHEMAS_DIR}/${existing}`);
  }
}
let written = 0;
for (const [name, content] of files) {
  const path = join(dir, name);
  if (existsSync(path) && readFileSync(path, "utf8") === content) continue;
  writeFileSync(path, content);
  written++;
  console.log(`wrote ${SCHEMAS_DIR}/${name}`);
}
console.log(`${SCHEMAS_DIR}/: ${files.size} schema file(s), ${written} rewritten`);
