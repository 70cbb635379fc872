// The guards' phone check (phone-numbers.ts) answers as libphonenumber-js's own
// parse-then-isValid does, which it replaces on the hot path for speed: the library is the
// oracle here, over every country's example number written internationally, nationally and
// in E.164, each also with a digit changed, one dropped and one added, and over random
// digit strings read in fourteen regions with and without `+`.
import { describe, expect, it } from "vitest";
import {
  getCountries,
  getExampleNumber,
  parsePhoneNumberFromString,
  type CountryCode,
  type Examples,
} from "libphonenumber-js/max";
import examples from "libphonenumber-js/examples.mobile.json";
import { isValidPhone } from "../../src/gateway/guards/phone-numbers.js";

const library = (written: string, region: CountryCode) =>
  parsePhoneNumberFromString(written, { defaultCountry: region, extract: false })?.isValid() ?? false;

function exampleCases(): Array<[string, CountryCode]> {
  const cases: Array<[string, CountryCode]> = [];
  for (const country of getCountries()) {
    const example = getExampleNumber(country, examples as Examples);
    if (!example) continue;
    for (const written of [example.formatInternational(), example.formatNational(), example.number]) {
      const lastDigit = /\d(?=\D*$)/;
      cases.push(
        [written, country],
        [written.replace(lastDigit, (d) => String((Number(d) + 1) % 10)), country],
        [written.replace(lastDigit, ""), country],
        [`${written}7`, country],
      );
    }
    cases.push([example.formatInternational(), "US"]);
  }
  return cases;
}

function randomCases(): Array<[string, CountryCode]> {
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const regions: CountryCode[] = ["US", "DE", "GB", "FR", "IN", "BR", "JP", "AR", "MX", "IT", "NL", "CN", "RU", "AU"];
  const cases: Array<[string, CountryCode]> = [];
  for (const region of regions) {
    for (let i = 0; i < 150; i++) {
      const length = 7 + Math.floor(random() * 9);
      const digits = Array.from({ length }, () => Math.floor(random() * 10)).join("");
      cases.push([digits, region], [`+${digits}`, region], [`${digits.slice(0, 3)} ${digits.slice(3)}`, region]);
    }
  }
  return cases;
}

describe("isValidPhone", () => {
  it("agrees with libphonenumber-js on every country's numbers and their near misses", () => {
    const cases = exampleCases();
    expect(cases.length).toBeGreaterThan(2000);
    const disagreements = cases.filter(
      ([written, region]) => isValidPhone(written, region) !== library(written, region),
    );
    expect(disagreements).toEqual([]);
    expect(cases.filter(([written, region]) => isValidPhone(written, region)).length).toBeGreaterThan(500);
  });

  it("agrees with libphonenumber-js on random digits in fourteen regions", () => {
    const cases = randomCases();
    const disagreements = cases.filter(
      ([written, region]) => isValidPhone(written, region) !== library(written, region),
    );
    expect(disagreements).toEqual([]);
  });
});
