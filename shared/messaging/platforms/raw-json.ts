// Reads a top-level member of a JSON object as the literal text it was sent
// as. Needed for Viber's `message_token`, a 64-bit integer: JSON.parse turns
// it into a double and two tokens that differ beyond 2^53 collapse into one
// (and a deduplication key built from them would drop a real message).
//
// A scanner, not a regular expression: it walks the object's members at depth
// one only, skipping strings (with their escapes) and nested values, so a
// `"message_token": 1` written inside a message text or a nested object is
// never taken for the real one. Callers pass text that JSON.parse already
// accepted (and the ingest core refuses duplicate keys), so the grammar is
// trusted and the scanner stays small.

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  return i;
}

/** Index just past the string literal starting at `i` (text[i] is the opening quote). */
function endOfString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') j += 2;
    else if (c === '"') return j + 1;
    else j++;
  }
  return j;
}

/** Index just past the JSON value starting at `i`. */
function endOfValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return endOfString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = endOfString(text, j);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return j;
  }
  let j = i;
  while (j < text.length && !WHITESPACE.has(text[j]!) && text[j] !== ',' && text[j] !== '}' && text[j] !== ']') j++;
  return j;
}

/** The raw JSON text of member `key` of the top-level object in `text`, or undefined when it has none. */
export function topLevelMemberText(text: string, key: string): string | undefined {
  let i = skipWhitespace(text, 0);
  if (text[i] !== '{') return undefined;
  i++;
  for (;;) {
    i = skipWhitespace(text, i);
    if (text[i] !== '"') return undefined;
    const keyEnd = endOfString(text, i);
    const literal = text.slice(i, keyEnd);
    const name = literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
    i = skipWhitespace(text, keyEnd);
    if (text[i] !== ':') return undefined;
    const valueStart = skipWhitespace(text, i + 1);
    const valueEnd = endOfValue(text, valueStart);
    if (name === key) return text.slice(valueStart, valueEnd);
    i = skipWhitespace(text, valueEnd);
    if (text[i] !== ',') return undefined;
    i++;
  }
}

/**
 * An integer id read losslessly as decimal text: a bare JSON integer as
 * written, or a string of digits (a proxy that quoted it). Anything else
 * (a fraction, an exponent, a negative number) is not an id.
 */
export function integerIdText(rawMember: string | undefined): string | undefined {
  if (rawMember === undefined) return undefined;
  const digits = rawMember.startsWith('"') && rawMember.endsWith('"') ? rawMember.slice(1, -1) : rawMember;
  return /^(0|[1-9]\d*)$/.test(digits) ? digits : undefined;
}
