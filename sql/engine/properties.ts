/**
 * WITH (…) properties of CREATE statements, read and checked as ksqlDB reads them, and the
 * formats they describe.
 */
import type { Property } from '../ast/statements.js';
import { findProperty } from '../ast/statements.js';
import type { FormatInfo } from '../catalog/data-source.js';
import { SqlStatementError } from '../catalog/errors.js';
import type { FormatName } from '../formats/format.js';
import { FORMATS } from '../formats/formats.js';
import { parseDelimiter } from '../formats/delimited-format.js';

export class WithProperties {
  constructor(readonly properties: readonly Property[]) {}

  has(name: string): boolean {
    return findProperty(this.properties, name) !== undefined;
  }

  string(name: string): string | undefined {
    const p = findProperty(this.properties, name);
    if (!p) return undefined;
    const v = p.value;
    switch (v.kind) {
      case 'StringLiteral':
        return v.value;
      case 'NullLiteral':
        return undefined;
      case 'IntegerLiteral':
      case 'BooleanLiteral':
      case 'DoubleLiteral':
        return String(v.value);
      case 'BigIntLiteral':
        return v.value.toString();
      case 'DecimalLiteral':
        return v.value;
    }
  }

  int(name: string): number | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n)) throw new SqlStatementError('SQL_INVALID_PROPERTY', `Invalid value for ${name}: '${s}'. Expected an integer.`);
    return n;
  }

  boolean(name: string): boolean | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    const t = s.trim().toLowerCase();
    if (t !== 'true' && t !== 'false') throw new SqlStatementError('SQL_INVALID_PROPERTY', `Property ${name} must be true or false, got '${s}'.`);
    return t === 'true';
  }

  /** KEY_FORMAT / VALUE_FORMAT, or FORMAT for both (giving both is an error). */
  format(side: 'KEY' | 'VALUE'): FormatName | undefined {
    const specific = this.string(`${side}_FORMAT`);
    const both = this.string('FORMAT');
    if (specific !== undefined && both !== undefined) {
      throw new SqlStatementError('SQL_INVALID_PROPERTY', `Cannot supply both '${side}_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats.\nEither use just 'FORMAT', or use '${side}_FORMAT' and '${side === 'KEY' ? 'VALUE' : 'KEY'}_FORMAT'.`);
    }
    const name = specific ?? both;
    return name === undefined ? undefined : formatName(name);
  }

  /** The delimiter, schema id and full name WITH gives a side. */
  formatInfo(side: 'KEY' | 'VALUE', format: FormatName): FormatInfo {
    const delimiter = this.string(`${side}_DELIMITER`);
    const schemaId = this.int(`${side}_SCHEMA_ID`);
    const fullName = this.string(`${side}_SCHEMA_FULL_NAME`) ?? (side === 'VALUE' ? this.string('VALUE_AVRO_SCHEMA_FULL_NAME') : undefined);
    const wrap = side === 'VALUE' ? this.boolean('WRAP_SINGLE_VALUE') : undefined;
    if (delimiter !== undefined && format !== 'DELIMITED') {
      throw new SqlStatementError('SQL_INVALID_PROPERTY', `${side}_DELIMITER is only valid for the DELIMITED format; the ${side.toLowerCase()} format is ${format}.`);
    }
    if (delimiter !== undefined) {
      try {
        parseDelimiter(delimiter, `${side}_DELIMITER`);
      } catch (error) {
        throw new SqlStatementError('SQL_INVALID_PROPERTY', `Failed to prepare statement: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
    return {
      format,
      ...(delimiter !== undefined ? { delimiter } : {}),
      ...(schemaId !== undefined ? { schemaId } : {}),
      ...(fullName !== undefined ? { schemaFullName: fullName } : {}),
      ...(wrap !== undefined ? { wrapSingleValue: wrap } : {}),
    };
  }
}

export function formatName(name: string): FormatName {
  const upper = name.trim().toUpperCase();
  if (!FORMATS.has(upper as FormatName)) throw new SqlStatementError('SQL_INVALID_PROPERTY', `Unknown format: ${upper}`);
  return upper as FormatName;
}
