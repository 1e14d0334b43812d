import { describe, expect, it } from 'vitest';
import { createRowSerde, FormatError, SerializationError } from '../../../sql/formats/index.js';
import type { Column } from '../../../sql/formats/index.js';
import { Types, type SqlType } from '../../../sql/types/sql-type.js';

const col = (type: SqlType, name = 'V'): Column[] => [{ name, type }];
const hex = (b: Buffer | null) => b?.toString('hex') ?? null;

describe('KAFKA format', () => {
  it.each([
    ['INTEGER', Types.INTEGER, 7, '00000007'],
    ['INTEGER negative', Types.INTEGER, -2, 'fffffffe'],
    ['BIGINT', Types.BIGINT, -1n, 'ffffffffffffffff'],
    ['BIGINT beyond 2^53', Types.BIGINT, 9007199254740993n, '0020000000000001'],
    ['DOUBLE', Types.DOUBLE, 1.5, '3ff8000000000000'],
    ['STRING', Types.STRING, 'hé', '68c3a9'],
    ['BYTES', Types.BYTES, Buffer.from([1, 2, 255]), '0102ff'],
  ])('writes %s with Kafka serdes', async (_name, type, value, bytes) => {
    for (const isKey of [true, false]) {
      const serde = await createRowSerde('KAFKA', col(type), { isKey });
      expect(hex(serde.serialize('t', [value]))).toBe(bytes);
      expect(serde.deserialize('t', Buffer.from(bytes, 'hex'))).toEqual([value]);
    }
  });

  it('reads an empty string key as the empty string, not null', async () => {
    const serde = await createRowSerde('KAFKA', col(Types.STRING, 'K'), { isKey: true });
    expect(serde.deserialize('t', Buffer.alloc(0))).toEqual(['']);
    expect(serde.serialize('t', [''])).toEqual(Buffer.alloc(0));
  });

  it('writes a null column and a null row as a null record', async () => {
    const serde = await createRowSerde('KAFKA', col(Types.INTEGER), { isKey: false });
    expect(serde.serialize('t', [null])).toBeNull();
    expect(serde.serialize('t', null)).toBeNull();
    expect(serde.deserialize('t', null)).toBeNull();
  });

  it('fails records of the wrong size with a typed error naming the topic', async () => {
    const serde = await createRowSerde('KAFKA', col(Types.INTEGER), { isKey: false });
    const err = (() => {
      try {
        serde.deserialize('orders', Buffer.from('000001', 'hex'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SerializationError);
    expect((err as SerializationError).code).toBe('SERIALIZATION_ERROR');
    expect((err as Error).message).toContain('Size of data received by IntegerDeserializer is not 4');
  });

  it('refuses several columns and non-primitive types as ksqlDB does', async () => {
    await expect(createRowSerde('KAFKA', [{ name: 'V0', type: Types.INTEGER }, { name: 'V1', type: Types.STRING }], { isKey: false })).rejects.toThrow(
      "The 'KAFKA' format only supports a single field. Got: [`V0` INTEGER, `V1` STRING]",
    );
    await expect(createRowSerde('KAFKA', col(Types.BOOLEAN, 'K'), { isKey: true })).rejects.toThrow(
      "Key format does not support schema.\nformat: KAFKA\nschema: Persistence{columns=[`K` BOOLEAN KEY], features=[]}\nreason: The 'KAFKA' format does not support type 'BOOLEAN'",
    );
    await expect(createRowSerde('KAFKA', col(Types.decimal(21, 19), 'K'), { isKey: true })).rejects.toThrow("The 'KAFKA' format does not support type 'DECIMAL'");
    await expect(createRowSerde('KAFKA', col(Types.array(Types.INTEGER)), { isKey: false })).rejects.toBeInstanceOf(FormatError);
  });

  it('refuses WRAP_SINGLE_VALUE=true but takes false', async () => {
    await expect(createRowSerde('KAFKA', col(Types.INTEGER), { isKey: false, wrapSingleValue: true })).rejects.toThrow(
      "Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
    );
    const serde = await createRowSerde('KAFKA', col(Types.INTEGER), { isKey: false, wrapSingleValue: false });
    expect(hex(serde.serialize('t', [1]))).toBe('00000001');
  });

  it('ignores keys when there are no key columns', async () => {
    const serde = await createRowSerde('KAFKA', [], { isKey: true });
    expect(serde.serialize('t', [])).toBeNull();
    expect(serde.deserialize('t', Buffer.from('junk'))).toEqual([]);
  });
});
