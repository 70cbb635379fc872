import { describe, expect, it } from "vitest";
import { detectorsFor, findMatches, masked } from "../../src/gateway/guards/detectors.js";
import { cardNumber, ibanValid, luhnValid } from "../../src/gateway/guards/checksums.js";

/** What the named detector finds in `text`, as the matched strings. */
function found(detector: string, text: string, options = {}): string[] {
  return findMatches(text, detectorsFor([detector], options)).map((m) => text.slice(m.start, m.end));
}

describe("check digits", () => {
  it("Luhn, with card lengths and issuer prefixes", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(cardNumber("4111111111111111")).toBe(true); // Visa test number
    expect(cardNumber("5500005555555559")).toBe(true); // Mastercard
    expect(cardNumber("378282246310005")).toBe(true); // Amex
    expect(cardNumber("0000000000000000")).toBe(false); // Luhn-valid, no issuer starts with 00
    expect(cardNumber("1234567812345670")).toBe(false); // Luhn-valid, no issuer starts with 1
  });

  it("IBAN mod-97 and the country's length", () => {
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("GB82WEST12345698765431")).toBe(false);
    expect(ibanValid("DE8937040044053201300")).toBe(false);
    expect(ibanValid("XX82WEST12345698765432")).toBe(false);
  });
});

describe("detectors: what they find", () => {
  it("email", () => {
    expect(found("email", "write to ana.lopez+news@mail.example.co.uk today")).toEqual([
      "ana.lopez+news@mail.example.co.uk",
    ]);
    expect(found("email", "see @mentions, a@b, user@localhost and v1.2@3")).toEqual([]);
  });

  it("phone: valid numbers in international and national formats, not dates, versions or ids", () => {
    expect(found("phone", "call +44 20 7946 0958 or (415) 555-2671")).toEqual(["+44 20 7946 0958", "(415) 555-2671"]);
    expect(found("phone", "Ruf an: 030 12345678", { phoneRegion: "DE" })).toEqual(["030 12345678"]);
    for (const text of [
      "released on 2024-05-17 at 10:30",
      "version 1.2.3.4 and 10.0.19045",
      "order ORD-2024-000123",
      "order id_2024000123",
      "invoice 1234567890",
      "pi is 3.14159265",
      "card 4111 1111 1111 1111",
    ])
      expect(found("phone", text), text).toEqual([]);
  });

  it("credit_card: Luhn-valid numbers with an issuer prefix, with or without separators", () => {
    expect(found("credit_card", "paid with 4111 1111 1111 1111, refund to 5500-0055-5555-5559")).toEqual([
      "4111 1111 1111 1111",
      "5500-0055-5555-5559",
    ]);
    for (const text of [
      "order 1234567812345670", // Luhn-valid, no issuer
      "tracking 4111111111111112", // a Visa prefix, but Luhn fails
      "timestamp 20240517103000123",
      "phone +1 415 555 2671",
    ])
      expect(found("credit_card", text), text).toEqual([]);
  });

  it("iban: with or without spaces, check digits verified", () => {
    expect(found("iban", "pay to GB82 WEST 1234 5698 7654 32 by friday")).toEqual(["GB82 WEST 1234 5698 7654 32"]);
    expect(found("iban", "DE89370400440532013000")).toEqual(["DE89370400440532013000"]);
    expect(found("iban", "part number DE12ABCDEFGHIJKLMNOP, GB82WEST12345698765431")).toEqual([]);
  });

  it("ip: IPv4 with octets in range, and IPv6; not versions", () => {
    expect(found("ip", "from 192.168.1.20 and 10.0.0.1, via 2001:db8::8a2e:370:7334 and ::1")).toEqual([
      "192.168.1.20",
      "10.0.0.1",
      "2001:db8::8a2e:370:7334",
      "::1",
    ]);
    for (const text of ["version 1.2.3.4.5", "300.1.1.1", "v1.2.3", "at 10:30:15", "01.02.03.04"])
      expect(found("ip", text), text).toEqual([]);
  });

  it("secret: cloud and SaaS keys, tokens, JWTs, private keys and Bearer values", () => {
    const secrets = [
      "AKIAIOSFODNN7EXAMPLE",
      `ghp_${"a".repeat(36)}`,
      `github_pat_${"B".repeat(40)}`,
      "xoxb-1234567890-abcdefghij",
      `AIza${"c".repeat(35)}`,
      `sk_live_${"d".repeat(24)}`,
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
      "Bearer abc.def-ghi_jkl",
    ];
    for (const secret of secrets) expect(found("secret", `value: ${secret} end`), secret).toEqual([secret]);
    for (const text of ["the bearer of bad news", "AKIA is a prefix", "ghp_short", "sk_live_x", "eyJ alone"])
      expect(found("secret", text), text).toEqual([]);
  });

  it("knows only its own detectors: an unknown or inherited name runs nothing", () => {
    expect(detectorsFor(["nosuch", "toString", "__proto__", "constructor"])).toEqual([]);
    expect(found("toString", "ana@example.com")).toEqual([]);
  });

  it("custom: an operator's own patterns, under their kinds", () => {
    const options = { custom: [{ kind: "EMPLOYEE_ID", pattern: "\\bE\\d{6}\\b" }] };
    expect(found("custom", "ask E123456, not E12345", options)).toEqual(["E123456"]);
    expect(found("email", "E123456", options)).toEqual([]);
  });
});

describe("matches together, and masking", () => {
  it("keeps the first and longest of overlapping matches, and masks each with its kind", () => {
    const text = "Mail ana@example.com, card 4111 1111 1111 1111, key AKIAIOSFODNN7EXAMPLE.";
    const detectors = detectorsFor(["email", "phone", "credit_card", "secret", "iban", "ip"]);
    const matches = findMatches(text, detectors);
    expect(matches.map((m) => m.kind)).toEqual(["EMAIL", "CREDIT_CARD", "SECRET"]);
    expect(masked(text, matches)).toBe("Mail <EMAIL>, card <CREDIT_CARD>, key <SECRET>.");
  });

  it("leaves text without matches as it is", () => {
    const text = "Nothing personal here: build 2024.05.17, 3 items, version 1.2.3.";
    expect(
      masked(text, findMatches(text, detectorsFor(["email", "phone", "credit_card", "iban", "ip", "secret"]))),
    ).toBe(text);
  });
});
