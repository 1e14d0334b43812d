/**
 * Hand-written bytes for fixtures: hex digits with whitespace ignored, `#` comments to the end
 * of the line, and `"text"` for the UTF-8 bytes of text (lengths are still written by hand).
 * Deliberately independent of the codec under test.
 */
export function hex(strings: TemplateStringsArray): Buffer {
  const text = strings.raw.join('');
  const bytes: number[] = [];
  let digits = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) throw new Error(`unterminated "text" in fixture at ${i}`);
      if (digits.length % 2 !== 0) throw new Error(`odd number of hex digits before "text" at ${i}`);
      bytes.push(...Buffer.from(text.slice(i + 1, close), 'utf8'));
      i = close;
    } else if (/[0-9a-fA-F]/.test(c)) {
      digits += c;
      if (digits.length === 2) {
        bytes.push(parseInt(digits, 16));
        digits = '';
      }
    } else if (!/\s/.test(c)) {
      throw new Error(`unexpected '${c}' in hex fixture at ${i}`);
    }
  }
  if (digits.length !== 0) throw new Error('odd number of hex digits in fixture');
  return Buffer.from(bytes);
}
