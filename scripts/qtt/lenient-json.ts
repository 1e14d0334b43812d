/**
 * ksqlDB's query-validation test files are lenient JSON: `//` and `/* *\/` comments, trailing
 * commas, raw control characters inside strings.
 */
import { parse as parseLossless } from 'lossless-json';

/** Plain JSON from lenient JSON: comments dropped, control characters escaped, trailing commas removed. */
export function parseLenientJson(text: string, options: { lossless?: boolean } = {}): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      out += c;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') {
          out += text.slice(j, j + 2);
          j += 2;
          continue;
        }
        const code = text.charCodeAt(j);
        out += code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : text[j];
        j++;
      }
      out += '"';
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else if (c === ',') {
      // A comma followed (past whitespace and comments) by a closing bracket is a trailing comma.
      let j = i + 1;
      for (;;) {
        while (j < text.length && /\s/.test(text[j]!)) j++;
        if (text.startsWith('//', j)) while (j < text.length && text[j] !== '\n') j++;
        else if (text.startsWith('/*', j)) j = text.indexOf('*/', j + 2) + 2;
        else break;
      }
      if (text[j] !== ']' && text[j] !== '}') out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  // Lossless: numbers keep every digit (DECIMAL and BIGINT values beyond a double's precision).
  return options.lossless ? parseLossless(out) : JSON.parse(out);
}
