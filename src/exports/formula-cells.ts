/**
 * Text a spreadsheet would run as a formula (OWASP "CSV injection"): a cell starting with = + - @, a tab or a
 * carriage return. A cell does not only start at the start of our field: Vietnamese Excel uses ';' as its list
 * separator and splits a comma file on the ';' inside a field, and a line break inside a field that is not the first
 * on its line ends the record there. So every piece after a ';' or a line break counts as the start of a cell too.
 */
const FIRST = /^[=+\-@\t\r]/;
// After a separator, quotes are skipped: Excel reads `;"=1+1"` as a quoted cell holding =1+1.
const AFTER_SEPARATOR = /^"*[=+\-@\t\r]/;
const PIECES = /(?<=[;\r\n])/;

/** True when some cell that spreadsheets may cut out of `text` would start like a formula. */
export function looksLikeFormula(text: string): boolean {
  const [first, ...rest] = text.split(PIECES);
  return FIRST.test(first ?? '') || rest.some((piece) => AFTER_SEPARATOR.test(piece));
}

/** Prefixes every formula-looking piece with an apostrophe, which spreadsheets read as "this is text". */
export function defuseFormulas(text: string): string {
  if (!/[=+\-@\t\r]/.test(text)) return text;
  return text
    .split(PIECES)
    .map((piece, index) => ((index === 0 ? FIRST : AFTER_SEPARATOR).test(piece) ? `'${piece}` : piece))
    .join('');
}
