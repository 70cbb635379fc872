// get_server_tools' token budget: whole tool definitions, in order, while their estimated
// tokens fit. The estimate is about four characters of JSON per token (what common
// tokenizers give for JSON Schema heavy text); no tokenizer runs in the Worker.

export const CHARS_PER_TOKEN = 4;

export function estimatedTokens(value: unknown): number {
  return Math.ceil(JSON.stringify(value).length / CHARS_PER_TOKEN);
}

/** Whole definitions, in order, while their estimated tokens fit the budget. */
export function withinBudget<T>(definitions: readonly T[], maxTokens: number | undefined): T[] {
  if (maxTokens === undefined) return [...definitions];
  const within: T[] = [];
  let spent = 0;
  for (const definition of definitions) {
    spent += estimatedTokens(definition);
    if (spent > maxTokens) break;
    within.push(definition);
  }
  return within;
}
