/**
 * Spreadsheet programs run a text field that starts with one of these as a
 * formula when they open a CSV file (CSV injection): a package name or an
 * image tag comes from whoever built the image, so it is untrusted text.
 * Tab and carriage return are on the OWASP list as well.
 */
const FORMULA_LEADS = new Set(['=', '+', '-', '@', '\t', '\r']);

/** Prefixes a leading formula character with `'`, which spreadsheets show as text and do not evaluate. */
export function neutralizeFormula(text: string): string {
  return text.length > 0 && FORMULA_LEADS.has(text[0]!) ? `'${text}` : text;
}
