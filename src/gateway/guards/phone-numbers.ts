// Whether digits written as a phone number are a valid number of some country, decided
// from Google's numbering plans as libphonenumber-js ships them (its "max" metadata, the
// same module its own functions read), with each plan's patterns compiled once per isolate.
// libphonenumber-js's own parse-then-isValid builds a new RegExp for every pattern it
// tries, 40 to 90 µs per candidate, too slow to run on every number in a result; this
// answers the same question in a few microseconds. test/unit/phone-numbers.test.ts holds
// the two to the same verdicts. The metadata is read in its format version 4; another
// version falls back to libphonenumber-js itself.
import metadata from "libphonenumber-js/max/metadata";
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

/** One country's numbering plan, compiled. */
interface Plan {
  callingCode: string;
  /** How a call abroad starts from this country (`011`, `00`): a number written with it is international. */
  idd: RegExp | undefined;
  national: RegExp;
  lengths: readonly number[];
  /** The national prefix as parsing strips it (`0`, `1`, or a pattern), and what replaces it. */
  prefix: RegExp | undefined;
  transform: string | undefined;
  /** For countries sharing a calling code: which national numbers are theirs, by leading digits. */
  leading: RegExp | undefined;
  /** Number types (fixed line, mobile, toll free, …), each with its own lengths where given. */
  types: ReadonlyArray<{ pattern: RegExp; lengths: readonly number[] }>;
}

type RawType = [string, number[]?] | 0;
type RawPlan = [
  string,
  string,
  string,
  number[],
  unknown,
  string?,
  unknown?,
  string?,
  string?,
  unknown?,
  string?,
  RawType[]?,
];

const data = metadata as unknown as {
  version: number;
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, RawPlan>;
  nonGeographic?: Record<string, RawPlan>;
};
const SUPPORTED_FORMAT = data.version === 4;
const plans = new Map<string, Plan | undefined>();

const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const start = (pattern: string | undefined) => (pattern ? new RegExp(`^(?:${pattern})`) : undefined);

/** A country's plan (`US`), or a non-geographic calling code's (`888`). */
function planOf(key: string): Plan | undefined {
  if (plans.has(key)) return plans.get(key);
  const table = /^\d/.test(key) ? (data.nonGeographic ?? {}) : data.countries;
  const raw = Object.hasOwn(table, key) ? table[key] : undefined;
  const plan = raw === undefined ? undefined : compile(raw);
  plans.set(key, plan);
  return plan;
}

function compile(raw: RawPlan): Plan {
  const [callingCode, idd, national, lengths, , nationalPrefix, , prefixForParsing, transform, , leading, types] = raw;
  return {
    callingCode,
    idd: idd ? start(idd) : undefined,
    national: whole(national),
    lengths,
    prefix: start(prefixForParsing || nationalPrefix),
    transform: transform || undefined,
    leading: start(leading),
    types: (types ?? []).flatMap((type) =>
      type && type[0] ? [{ pattern: whole(type[0]), lengths: type[1] ?? lengths }] : [],
    ),
  };
}

const codePlans = new Map<string, Plan[] | undefined>();

/** The plans of a calling code, the main country's first; undefined for a code no country has. */
function plansOf(code: string): Plan[] | undefined {
  if (codePlans.has(code)) return codePlans.get(code);
  const countries = Object.hasOwn(data.country_calling_codes, code) ? data.country_calling_codes[code]! : undefined;
  const keys = countries ?? (data.nonGeographic && Object.hasOwn(data.nonGeographic, code) ? [code] : undefined);
  const found = keys?.flatMap((key) => planOf(key) ?? []);
  codePlans.set(code, found);
  return found;
}

/** A national significant number valid in this plan: it matches one of its number types. */
function validIn(plan: Plan, number: string): boolean {
  if (!plan.national.test(number)) return false;
  if (plan.types.length === 0) return true;
  return plan.types.some((type) => type.lengths.includes(number.length) && type.pattern.test(number));
}

/** The number without its national prefix, when the prefix is there and stripping it leaves a possible number. */
function withoutNationalPrefix(plan: Plan, digits: string): string {
  const match = plan.prefix?.exec(digits);
  if (!plan.prefix || !match) return digits;
  const groups = match.length - 1;
  const captured = groups > 0 && Boolean(match[groups]);
  const stripped =
    plan.transform && captured ? digits.replace(plan.prefix, plan.transform) : digits.slice(match[0].length);
  // Stripping must not turn a number of the plan into one that is not…
  if (plan.national.test(digits) && !plan.national.test(stripped)) return digits;
  // …and must leave a number of a possible length (or a longer one).
  return plan.lengths.includes(stripped.length) || stripped.length > Math.max(...plan.lengths) ? stripped : digits;
}

/** Valid in the country of the calling code whose number it is: chosen by leading digits, else by validity, else the main one. */
function validForCode(candidates: readonly Plan[], number: string): boolean {
  const chosen =
    candidates.length === 1
      ? candidates[0]
      : (candidates.find((plan) => (plan.leading ? plan.leading.test(number) : validIn(plan, number))) ??
        candidates[0]);
  return chosen !== undefined && validIn(chosen, number);
}

function validInternational(digits: string): boolean {
  if (digits.startsWith("0")) return false;
  for (let size = 1; size <= 3 && size <= digits.length; size++) {
    const candidates = plansOf(digits.slice(0, size));
    if (!candidates) continue;
    const main = candidates[0];
    return main !== undefined && validForCode(candidates, withoutNationalPrefix(main, digits.slice(size)));
  }
  return false;
}

function validNational(region: string, digits: string): boolean {
  const plan = planOf(region);
  if (!plan) return false;
  const idd = plan.idd?.exec(digits);
  if (idd) return validInternational(digits.slice(idd[0].length));
  const number = withoutNationalPrefix(plan, digits);
  // Written with the country's calling code but no `+` (4930123456 in Germany).
  if (digits.startsWith(plan.callingCode)) {
    const shorter = withoutNationalPrefix(plan, digits.slice(plan.callingCode.length));
    const tooLong = number.length > Math.max(...plan.lengths);
    if ((!plan.national.test(number) && plan.national.test(shorter)) || tooLong)
      return validForCode(plansOf(plan.callingCode) ?? [plan], shorter);
  }
  return validForCode(plansOf(plan.callingCode) ?? [plan], number);
}

/**
 * Whether `written` (digits with spaces, dots, hyphens or brackets, `+` first for an
 * international number) is a valid phone number: international ones of their country,
 * national ones of `region`.
 */
export function isValidPhone(written: string, region: CountryCode): boolean {
  if (!SUPPORTED_FORMAT)
    return parsePhoneNumberFromString(written, { defaultCountry: region, extract: false })?.isValid() ?? false;
  const digits = written.replace(/\D/g, "");
  return written.trimStart().startsWith("+") ? validInternational(digits) : validNational(region, digits);
}
