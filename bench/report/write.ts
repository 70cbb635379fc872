// Writes a run to bench/results/<timestamp>.json and bench/results/latest.json (git-ignored).
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { BenchResults } from "./results.js";

const RESULTS_DIR = fileURLToPath(new URL("../results/", import.meta.url));

/** Returns the timestamped file's path. */
export async function writeResults(results: BenchResults): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const file = `${RESULTS_DIR}${results.startedAt.replace(/[:.]/g, "-")}.json`;
  await writeFile(file, json);
  await writeFile(`${RESULTS_DIR}latest.json`, json);
  return file;
}
