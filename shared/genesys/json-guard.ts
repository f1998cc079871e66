// Checks JSON.parse does not make: a repeated object key (JSON.parse keeps the
// last one silently, so two readers of the same bytes could disagree on the
// event) and U+FFFD, which is what invalid UTF-8 bytes decode to before the
// body reaches us.

/** The first object key that appears twice in one object of valid JSON text, if any. */
export function firstDuplicateKey(text: string): string | undefined {
  const objects: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === 0x22) break;
        j++;
      }
      if (expectKey) {
        const raw = text.slice(i, j + 1);
        const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        const keys = objects[objects.length - 1];
        if (keys) {
          if (keys.has(key)) return key;
          keys.add(key);
        }
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      objects.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      objects.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      objects.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = objects[objects.length - 1] instanceof Set;
    }
  }
  return undefined;
}

export const REPLACEMENT_CHARACTER = '\uFFFD';

/** U+FFFD written as itself or as a JSON escape (a re-serialising hop may have escaped it). */
export const containsReplacementCharacter = (text: string): boolean => text.includes(REPLACEMENT_CHARACTER) || /\\u[fF]{3}[dD]/.test(text);
