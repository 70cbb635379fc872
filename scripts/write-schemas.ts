// `npm run schemas`: writes schemas/*.json from the zod schemas, removes files of schemas
// that no longer exist, and rewrites the generated tables of docs/configuration.md.
// test/unit/schemas.test.ts fails when this was not run.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderSchemaFiles, SCHEMAS_DIR } from "./schema-files.js";
import { CONFIG_DOC, renderConfigDoc } from "./schema-tables.js";

const root = join(import.meta.dirname, "..");
const dir = join(root, SCHEMAS_DIR);
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

const docPath = join(root, CONFIG_DOC);
const doc = readFileSync(docPath, "utf8");
const rendered = await renderConfigDoc(doc, docPath);
if (rendered !== doc) writeFileSync(docPath, rendered);
console.log(`${CONFIG_DOC}: ${rendered === doc ? "up to date" : "tables rewritten"}`);
