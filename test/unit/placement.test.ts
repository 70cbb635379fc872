import { describe, expect, it } from "vitest";
import { placeCall, placeRequest, type CallFacts, type RequestFacts } from "../../src/gateway/placement.js";
import { clientMethod } from "../../src/mcp/methods.js";

const request = (facts: Partial<RequestFacts> & { name?: string }): RequestFacts => ({
  method: clientMethod(facts.name ?? "tools/call"),
  batch: false,
  progress: false,
  versionUnderstood: true,
  ...facts,
});

const call = (facts: Partial<CallFacts> = {}, client: Partial<CallFacts["client"]> = {}): CallFacts => ({
  at: "worker",
  client: { era: "legacy", canBeAsked: false, progress: false, ...client },
  involvesClient: true,
  resumesHeldCall: false,
  upstream: { era: "legacy", borrowable: true },
  ...facts,
});

describe("placeRequest: whether the Worker answers a 2025 session's request", () => {
  it("answers a plain tools/call and the four lists in the Worker", () => {
    for (const name of ["tools/call", "tools/list", "prompts/list", "resources/list", "resources/templates/list"])
      expect(placeRequest(request({ name }))).toBe("worker");
  });

  it("leaves reads, gets, completions, subscriptions and log levels to the session object", () => {
    for (const name of [
      "resources/read",
      "prompts/get",
      "completion/complete",
      "resources/subscribe",
      "logging/setLevel",
      "ping",
    ])
      expect(placeRequest(request({ name }))).toBe("session-object");
  });

  it("leaves a request with a progress token, a batch, or an unknown protocol version header to the object", () => {
    expect(placeRequest(request({ progress: true }))).toBe("session-object");
    expect(placeRequest(request({ batch: true }))).toBe("session-object");
    expect(placeRequest(request({ versionUnderstood: false }))).toBe("session-object");
  });

  it("leaves a method the gateway does not know to the object, which answers it", () => {
    expect(placeRequest(request({ name: "no/such" }))).toBe("session-object");
  });
});

describe("placeCall: who sends a call once its upstream is known", () => {
  it("sends everything itself in an object that owns its upstream sessions", () => {
    expect(placeCall(call({ at: "session-object" }))).toEqual({ run: "here" });
    expect(placeCall(call({ at: "held-object", upstream: { era: undefined, borrowable: false } }))).toEqual({
      run: "here",
    });
  });

  describe("for a 2025 session in the Worker", () => {
    it("borrows the session object's upstream session when there is one", () => {
      expect(placeCall(call())).toEqual({ run: "borrowed", owner: "session-object" });
    });

    it("leaves the call to the object when there is no session to borrow or nothing is known of the upstream", () => {
      expect(placeCall(call({ upstream: { era: "legacy", borrowable: false } }))).toEqual({
        run: "owner",
        owner: "session-object",
      });
      expect(placeCall(call({ upstream: { era: undefined, borrowable: false } }))).toEqual({
        run: "owner",
        owner: "session-object",
      });
    });

    it("leaves a call to a current-era upstream to the object, which alone can bridge its input_required", () => {
      expect(placeCall(call({ upstream: { era: "modern", borrowable: true } }))).toEqual({
        run: "owner",
        owner: "session-object",
      });
    });

    it("fetches from a current-era upstream itself when the client is not involved (a list)", () => {
      expect(placeCall(call({ involvesClient: false, upstream: { era: "modern", borrowable: true } }))).toEqual({
        run: "here",
      });
    });

    it("leaves a call with a progress token to the object, which records the client's stream", () => {
      expect(placeCall(call({}, { progress: true }))).toEqual({ run: "owner", owner: "session-object" });
    });
  });

  describe("for a 2026-07-28 request in the Worker", () => {
    const modern = (facts: Partial<CallFacts> = {}, client: Partial<CallFacts["client"]> = {}) =>
      call(facts, { era: "modern", ...client });

    it("calls a current-era upstream directly", () => {
      expect(placeCall(modern({ upstream: { era: "modern", borrowable: false } }))).toEqual({ run: "here" });
    });

    it("borrows the held session of a legacy upstream when the client can be asked nothing", () => {
      expect(placeCall(modern())).toEqual({ run: "borrowed", owner: "held-object" });
    });

    it("leaves the call to the held object when the client could be asked something", () => {
      expect(placeCall(modern({}, { canBeAsked: true }))).toEqual({ run: "owner", owner: "held-object" });
    });

    it("borrows even for a client that could be asked when the exchange cannot ask it (a list)", () => {
      expect(placeCall(modern({ involvesClient: false }, { canBeAsked: true }))).toEqual({
        run: "borrowed",
        owner: "held-object",
      });
    });

    it("leaves a call that resumes a suspended one to the held object that suspended it", () => {
      expect(placeCall(modern({ resumesHeldCall: true }))).toEqual({ run: "owner", owner: "held-object" });
    });

    it("passes a current-era upstream's own requestState through to it", () => {
      const facts = modern({ resumesHeldCall: true, upstream: { era: "modern", borrowable: false } });
      expect(placeCall(facts)).toEqual({ run: "here" });
    });
  });
});
