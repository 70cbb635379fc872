// Asks each benchmark upstream how many MCP sessions it still holds (GET /stats): sessions
// left open after everyone said DELETE are sessions leaked. Reads only.
export async function openUpstreamSessions(urls: Record<string, string>): Promise<Record<string, number>> {
  const counts = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      const response = await fetch(new URL("/stats", url));
      const { sessions } = (await response.json()) as { sessions: number };
      return [name, sessions] as const;
    }),
  );
  return Object.fromEntries(counts);
}
