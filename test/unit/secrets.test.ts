import { describe, expect, it } from "vitest";
import { resolveHeaderSecrets } from "../../src/config/secrets.js";

describe("resolveHeaderSecrets", () => {
  it("substitutes ${NAME} from the Worker's secrets and vars", () => {
    expect(
      resolveHeaderSecrets({ authorization: "Bearer ${GH_TOKEN}", "x-team": "core" }, { GH_TOKEN: "t0k" }),
    ).toEqual({
      ok: true,
      headers: { authorization: "Bearer t0k", "x-team": "core" },
      secretValues: ["t0k"],
    });
  });

  it("names every missing secret, sorted, without any value", () => {
    expect(resolveHeaderSecrets({ a: "${B_KEY} ${A_KEY}", b: "${PRESENT}" }, { PRESENT: "secret-value" })).toEqual({
      ok: false,
      missing: ["A_KEY", "B_KEY"],
    });
  });

  it("does not take inherited properties or non-string bindings as secrets", () => {
    expect(resolveHeaderSecrets({ a: "${toString}", b: "${KV}" }, { KV: {} })).toEqual({
      ok: false,
      missing: ["KV", "toString"],
    });
  });
});
