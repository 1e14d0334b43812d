/**
 * One CSV record as Apache Commons CSV 1.4 writes and reads it with CSVFormat.DEFAULT and a
 * chosen delimiter, which is what ksqlDB's DELIMITED format uses. The quoting rule is "minimal",
 * with that version's quirks, so our bytes match ksqlDB's:
 *
 *   - the first field of a record is quoted unless it starts with [0-9A-Za-z]  ("-1.5" -> "\"-1.5\"")
 *   - any field is quoted if it starts with a character at or below '#' (space, !, ")
 *   - or contains CR, LF, the quote or the delimiter, or ends with a character at or below ' '
 *   - an empty first field is quoted (""), so a record of one empty string is not an empty line
 *   - a null field is written as nothing, never quoted
 *   - inside quotes a quote is doubled: a"b -> "a""b"
 *
 * Reading takes the first record: fields split at the delimiter, quoted fields may hold
 * delimiters, line breaks and doubled quotes, whitespace may follow a closing quote, anything
 * else after it is an error. Blank lines before the record are skipped.
 */

const QUOTE = '"';

export function writeCsvRecord(fields: readonly (string | null)[], delimiter: string): string {
  let out = '';
  fields.forEach((field, i) => {
    if (i > 0) out += delimiter;
    if (field !== null) out += needsQuotes(field, delimiter, i === 0) ? `"${field.replace(/"/g, '""')}"` : field;
  });
  return out;
}

function needsQuotes(field: string, delimiter: string, first: boolean): boolean {
  if (field.length === 0) return first;
  const c = field.charCodeAt(0);
  if (first && !isAsciiAlphanumeric(c)) return true;
  if (c <= 0x23) return true;
  for (let i = 0; i < field.length; i++) {
    const ch = field[i];
    if (ch === '\n' || ch === '\r' || ch === QUOTE || ch === delimiter) return true;
  }
  return field.charCodeAt(field.length - 1) <= 0x20;
}

function isAsciiAlphanumeric(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** The fields of the first record in `text`; null when the text holds no record at all. */
export function readCsvRecord(text: string, delimiter: string): string[] | null {
  let pos = 0;
  // Blank lines before the first record are not records.
  while (pos < text.length && (text[pos] === '\n' || text[pos] === '\r')) pos++;
  if (pos >= text.length) return null;
  const fields: string[] = [];
  for (;;) {
    if (text[pos] === QUOTE) {
      let value = '';
      pos++;
      for (;;) {
        if (pos >= text.length) throw new Error('EOF reached before encapsulated token finished');
        const ch = text[pos]!;
        if (ch === QUOTE) {
          if (text[pos + 1] === QUOTE) {
            value += QUOTE;
            pos += 2;
            continue;
          }
          pos++;
          break;
        }
        value += ch;
        pos++;
      }
      while (pos < text.length && isWhitespace(text[pos]!) && text[pos] !== delimiter) pos++;
      fields.push(value);
      if (pos >= text.length || text[pos] === '\n' || text[pos] === '\r') return fields;
      if (text[pos] !== delimiter) throw new Error('invalid char between encapsulated token and delimiter');
      pos++;
    } else {
      let end = pos;
      while (end < text.length && text[end] !== delimiter && text[end] !== '\n' && text[end] !== '\r') end++;
      fields.push(text.slice(pos, end));
      pos = end;
      if (pos >= text.length || text[pos] !== delimiter) return fields;
      pos++;
    }
    if (pos >= text.length) {
      // A trailing delimiter ends the record with an empty field.
      fields.push('');
      return fields;
    }
  }
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\f';
}
