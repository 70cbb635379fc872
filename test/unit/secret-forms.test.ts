// The forms of a registration's secret values that the gateway replaces wherever upstream
// text, /status or an audit line could show them: as sent, JSON-escaped, and base64 inside
// Basic credentials after any prefix; values shorter than 8 characters are not looked for.
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MIN_SECRET_CHARS, SECRET_MARKER, SecretForms } from "../../src/observe/secret-forms.js";

const SECRET = 'tok"en\\Zq8-41c9';
const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

function formsOf(...values: string[]): SecretForms {
  const forms = SecretForms.of(values);
  if (!forms) throw new Error("expected forms");
  return forms;
}

describe("SecretForms", () => {
  it("replaces a secret as sent and JSON-escaped, wherever it occurs", () => {
    const forms = formsOf(SECRET);
    const escaped = JSON.stringify(SECRET).slice(1, -1);
    expect(forms.scrubText(`key ${SECRET}; again:${SECRET}`)).toBe(`key ${SECRET_MARKER}; again:${SECRET_MARKER}`);
    expect(forms.scrubText(`{"key":"${escaped}"}`)).toBe(`{"key":"${SECRET_MARKER}"}`);
  });

  it("leaves nothing of the secret in Basic credentials, whatever user name comes before it", () => {
    const forms = formsOf(SECRET);
    for (const user of ["", "a:", "ab:", "svc:", "operator:", "ünïcode:"]) {
      for (const after of ["", ":pw", "!"]) {
        const credentials = base64(`${user}${SECRET}${after}`);
        const scrubbed = forms.scrubText(`Authorization: Basic ${credentials}`);
        expect(scrubbed, `${user}<secret>${after}`).toContain(SECRET_MARKER);
        expect(scrubbed).not.toContain(credentials);
      }
    }
  });

  it("finds any secret of 8 characters or more in base64 after any prefix and before any suffix", () => {
    const text = fc.string({ unit: "grapheme", maxLength: 12 });
    const secret = fc.string({ unit: "grapheme", minLength: MIN_SECRET_CHARS, maxLength: 40 });
    fc.assert(
      fc.property(text, secret, text, (before, value, after) => {
        const encoded = base64(`${before}${value}${after}`);
        expect(formsOf(value).scrubText(encoded)).toContain(SECRET_MARKER);
      }),
    );
  });

  it("looks for the long parts of a header value such as 'Bearer <token>' on their own", () => {
    const forms = formsOf("Bearer ghp_0123456789abcdef");
    expect(forms.scrubText("token ghp_0123456789abcdef works")).toBe(`token ${SECRET_MARKER} works`);
    expect(forms.scrubText("Bearer is a word")).toBe("Bearer is a word");
  });

  it("does not look for values shorter than 8 characters, which would match ordinary words", () => {
    expect(SecretForms.of(["1234567", "short", ""])).toBeUndefined();
    expect(SecretForms.of([])).toBeUndefined();
    expect(formsOf("1234567", "12345678").scrubText("1234567 12345678")).toBe(`1234567 ${SECRET_MARKER}`);
  });

  it("takes the marker literally", () => {
    expect(formsOf(SECRET).scrubText(SECRET, "$&$1")).toBe("$&$1");
  });

  it("replaces secrets in a JSON value's strings and keys, keeping its types and shape", () => {
    const forms = formsOf(SECRET);
    const value = {
      content: [{ type: "text", text: `said ${SECRET}` }, 42, null, true],
      [`k-${SECRET}`]: { nested: [SECRET] },
      isError: false,
    };
    expect(forms.scrubJson(value)).toEqual({
      content: [{ type: "text", text: `said ${SECRET_MARKER}` }, 42, null, true],
      [`k-${SECRET_MARKER}`]: { nested: [SECRET_MARKER] },
      isError: false,
    });
    expect(Object.keys(forms.scrubJson(value))).toEqual(["content", `k-${SECRET_MARKER}`, "isError"]);
    expect(value.content[0]).toEqual({ type: "text", text: `said ${SECRET}` });
  });

  it("hands back the very same value when no secret occurs in it", () => {
    const value = { result: { tools: [{ name: "echo", inputSchema: { type: "object" } }] }, id: 1 };
    expect(formsOf(SECRET).scrubJson(value)).toBe(value);
  });

  it("keeps a '__proto__' key as data when it copies an object", () => {
    const value = JSON.parse(`{"__proto__":{"polluted":true},"text":${JSON.stringify(SECRET)}}`) as Record<
      string,
      unknown
    >;
    const scrubbed = formsOf(SECRET).scrubJson(value);
    expect(Object.getPrototypeOf(scrubbed)).toBe(Object.prototype);
    expect(Object.hasOwn(scrubbed, "__proto__")).toBe(true);
    expect(scrubbed["text"]).toBe(SECRET_MARKER);
  });
});
