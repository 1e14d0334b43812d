import { describe, expect, it } from 'vitest';
import type { FormatError} from '../../../sql/formats/index.js';
import { createRowSerde, FORMATS, getFormat } from '../../../sql/formats/index.js';
import { Types } from '../../../sql/types/sql-type.js';

describe('formats by name', () => {
  it('knows ksqlDB formats in any case', () => {
    expect([...FORMATS.keys()]).toEqual(['KAFKA', 'JSON', 'JSON_SR', 'AVRO', 'PROTOBUF', 'PROTOBUF_NOSR', 'DELIMITED', 'NONE']);
    expect(getFormat('AvRo').name).toBe('AVRO');
    expect(() => getFormat('FOO')).toThrow('Unknown format: FOO');
    try {
      getFormat('FOO');
    } catch (e) {
      expect((e as FormatError).code).toBe('FORMAT_UNKNOWN');
    }
  });

  it('offers key and value serdes on each format', async () => {
    const json = getFormat('JSON');
    const key = await json.keySerde([{ name: 'K', type: Types.STRING }]);
    const value = await json.valueSerde([{ name: 'V', type: Types.STRING }]);
    expect(key.serialize('t', ['a'])?.toString()).toBe('"a"');
    expect(value.serialize('t', ['a'])?.toString()).toBe('{"V":"a"}');
  });

  it('needs a schema registry for the registry formats', async () => {
    for (const name of ['AVRO', 'PROTOBUF', 'JSON_SR']) {
      await expect(createRowSerde(name, [{ name: 'V', type: Types.STRING }], { isKey: false })).rejects.toMatchObject({ code: 'FORMAT_NO_SCHEMA_REGISTRY' });
    }
  });

  it('refuses an empty schema full name', async () => {
    const registry = undefined;
    await expect(createRowSerde('AVRO', [{ name: 'FOO', type: Types.STRING }], { isKey: false, schemaFullName: ' ', registry })).rejects.toThrow(
      'fullSchemaName cannot be empty. Format configuration: {fullSchemaName=}',
    );
  });
});

describe('NONE format', () => {
  it('reads and writes nothing for a keyless stream (QTT none.json)', async () => {
    const serde = await createRowSerde('NONE', [], { isKey: true });
    expect(serde.serialize('t', [])).toBeNull();
    expect(serde.deserialize('t', Buffer.from('data that should be ignored'))).toEqual([]);
  });

  it('refuses columns', async () => {
    await expect(createRowSerde('NONE', [{ name: 'K', type: Types.STRING }], { isKey: true })).rejects.toThrow(
      "The 'NONE' format can only be used when no columns are defined. Got: [`K` STRING KEY]",
    );
    await expect(createRowSerde('NONE', [{ name: 'FOO', type: Types.INTEGER }], { isKey: false })).rejects.toThrow(
      "The 'NONE' format can only be used when no columns are defined. Got: [`FOO` INTEGER]",
    );
  });
});

describe('keys without columns', () => {
  it('are ignored whatever the key format', async () => {
    for (const name of ['KAFKA', 'JSON', 'DELIMITED']) {
      const serde = await createRowSerde(name, [], { isKey: true });
      expect(serde.serialize('t', [])).toBeNull();
      expect(serde.deserialize('t', Buffer.from('"should be ignored"'))).toEqual([]);
    }
  });
});
