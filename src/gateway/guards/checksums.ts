// The check digits that tell a real card or account number from any run of digits: Luhn
// for payment cards (with the issuer prefixes cards actually start with), ISO 13616
// mod-97 for IBANs. Pure.

/** Whether `digits` (only 0-9) passes the Luhn check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Whether `digits` has a payment card's length and issuer prefix, and passes Luhn. */
export function cardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  const issued =
    digits[0] === "4" || // Visa
    (two >= 51 && two <= 55) ||
    (four >= 2221 && four <= 2720) || // Mastercard
    two === 34 ||
    two === 37 || // American Express
    four === 6011 ||
    two === 65 ||
    (four >= 6440 && four <= 6499) || // Discover
    (four >= 3528 && four <= 3589) || // JCB
    (four >= 3000 && four <= 3059) ||
    two === 36 ||
    two === 38 || // Diners Club
    two === 62; // UnionPay
  return issued && luhnValid(digits);
}

/** IBAN lengths by country (ISO 13616 registry), for the countries that issue them. */
// prettier-ignore
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22,
  GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31,
  MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24,
  SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** Whether `iban` (upper case, no spaces) has its country's length and valid check digits. */
export function ibanValid(iban: string): boolean {
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = (value > 9 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder === 1;
}
