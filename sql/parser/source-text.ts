/**
 * Positions in the text a user submitted. Statements are lexed one at a time, after variable
 * substitution, so token offsets are local to a rewritten copy; an `OffsetMap` carries them back
 * to the submitted script, and `SourceText` turns script offsets into lines and columns.
 */

/** Where a node starts in the submitted text: 1-based line and column, 0-based offset. */
export interface SourceLocation {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export class SourceText {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // \r\n counts once: the line starts after the \n.
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.lineStarts.push(i + 1);
    }
  }

  location(offset: number): SourceLocation {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: clamped - this.lineStarts[low]! + 1, offset: clamped };
  }

  /** The text of a 1-based line, without its line break. */
  line(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line] ?? this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, '');
  }

  /**
   * The offending line with carets under `length` characters from `offset`, e.g.
   *
   *     2 | SELECT * FORM s
   *       |          ^^^^
   */
  excerpt(offset: number, length: number): string {
    const { line, column } = this.location(offset);
    const text = this.line(line);
    const gutter = String(line);
    const width = Math.max(1, Math.min(length, text.length - column + 1));
    // Tabs keep their width in the caret line so the carets stay under the token.
    const pad = text.slice(0, column - 1).replace(/[^\t]/g, ' ');
    return `${gutter} | ${text}\n${' '.repeat(gutter.length)} | ${pad}${'^'.repeat(width)}`;
  }
}

/**
 * Maps offsets in a rewritten statement back to the submitted script. Copied stretches map one
 * to one; text that replaced something (a substituted variable) maps to where that started.
 */
export class OffsetMap {
  private readonly segments: { from: number; to: number; copied: boolean }[] = [];
  private length = 0;

  constructor(private readonly base: number) {}

  /** Records `length` characters of output that came from script offset `source`. */
  add(source: number, length: number, copied: boolean): void {
    if (length === 0) return;
    this.segments.push({ from: this.length, to: source, copied });
    this.length += length;
  }

  /** The script offset of a local offset in the rewritten text. */
  toScript(local: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    if (high < 0) return this.base + local;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.segments[mid]!.from <= local) low = mid;
      else high = mid - 1;
    }
    const segment = this.segments[low]!;
    return segment.copied ? segment.to + (local - segment.from) : segment.to;
  }

  static identity(base: number, length: number): OffsetMap {
    const map = new OffsetMap(base);
    map.add(base, length, true);
    return map;
  }
}
