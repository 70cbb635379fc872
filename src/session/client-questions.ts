// Questions an upstream asks a 2025 client through its session (sampling, elicitation,
// roots): sent on the request's stream under an id the gateway makes, answered by the
// client's POSTed response, which resolves the question. An unanswered question gives up
// after ASK_TIMEOUT_MS; one that cannot be sent (the client takes no streams) at once.
import { questionErrors } from "../mcp/questions.js";
import type { JsonRpcResponse } from "../mcp/jsonrpc.js";
import type { ClientAnswer } from "../mcp/questions.js";

/** How long an upstream's question waits for the client's answer. */
const ASK_TIMEOUT_MS = 300_000;

/** A stream to the client: false when the message could not be sent on it. */
export interface QuestionStream {
  send(message: unknown): boolean;
}

interface PendingQuestion {
  resolve: (answer: ClientAnswer) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class ClientQuestions {
  readonly #pending = new Map<string, PendingQuestion>();

  /** `asked` hears which upstream asked what (roots-changes.ts keeps who asked for roots). */
  constructor(private readonly asked: (method: string, server: string) => void = () => undefined) {}

  /** Sends an upstream's question to the client on one of its streams; waits for the answer. */
  ask(stream: QuestionStream, method: string, params: Record<string, unknown>, server?: string): Promise<ClientAnswer> {
    if (server !== undefined) this.asked(method, server);
    const id = `gw-ask-${crypto.randomUUID()}`;
    return new Promise<ClientAnswer>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ error: questionErrors.notAnsweredInTime(method) });
      }, ASK_TIMEOUT_MS);
      this.#pending.set(id, { resolve, timer });
      if (!stream.send({ jsonrpc: "2.0", id, method, params })) {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve({ error: questionErrors.takesNoStreams(method) });
      }
    });
  }

  /** The client's answer to a question the gateway relayed; anything else is ignored. */
  answered(response: JsonRpcResponse): void {
    const id = typeof response.id === "string" ? response.id : "";
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve("error" in response ? { error: response.error } : { result: response.result });
  }
}
