// The `customer_report` tool of the benchmark's `pii` upstream: a report of about 10 KB of
// text, full of what a PII guard looks for (e-mail addresses, phone numbers, card numbers,
// IBANs, IP addresses) beside what it must leave alone (order ids, dates, amounts,
// versions). Each seed gives other numbers, so nothing the gateway remembers of one call
// makes the next cheaper.
import { z } from "zod";

export const REPORT_TOOL = "customer_report";
export const REPORT_INPUT = {
  seed: z.number().int().describe("Which customers: each seed gives other records."),
  sparse: z.boolean().optional().describe("Contact and payment details in one order of nine only."),
};
/** Records per report: about 10 KB of text. */
const RECORDS = 36;

export function customerReport(seed: number, sparse = false): string {
  const lines = [`Customer report #${seed}, generated 2026-12-03, app version 4.12.1`];
  for (let i = 0; i < RECORDS; i++) {
    const n = (seed * RECORDS + i) % 1_000_000;
    const four = String(1000 + (n % 9000));
    const personal = !sparse || i % 9 === 0;
    lines.push(
      [
        `Order ORD-2026-${String(n).padStart(6, "0")} placed 2026-11-${String(1 + (n % 28)).padStart(2, "0")}`,
        personal
          ? `by customer ${n} <customer.${n}@example.com>, phone +1 415 555 ${four}`
          : `by customer ${n}, contact details on file with the account team`,
        personal
          ? `paid ${(n % 977) + 0.99} USD with card 4111 1111 1111 1111`
          : `paid ${(n % 977) + 0.99} USD by invoice on net 30 terms`,
        personal
          ? `refunds to GB82 WEST 1234 5698 7654 32, last login from 10.${n % 250}.${i}.7`
          : `refunds to the account on file, last login recorded by the portal`,
        `note: deliver after 6 pm, ticket #${n * 7}, build 2026.11.${i}`,
      ].join("; "),
    );
  }
  return lines.join("\n");
}
