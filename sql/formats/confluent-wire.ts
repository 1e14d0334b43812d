/**
 * Confluent's wire format, which records of the schema-registry formats carry:
 *
 *   +------+-----------------+----------------------------+-----------------------------+
 *   | 0x00 | schema id       | message indexes (PROTOBUF) | payload (Avro binary,       |
 *   | magic| int32, big end. | zigzag varints             | Protobuf message, JSON text)|
 *   +------+-----------------+----------------------------+-----------------------------+
 *
 * Message indexes locate the Protobuf message within its schema: a count, then each index
 * (position among the file's top-level messages, then among nested ones), all zigzag varints.
 * The common case, the first top-level message ([0]), is shortened to a single 0 byte:
 *
 *   id 1, Avro payload P            ->  00 00 00 00 01 P
 *   id 7, Protobuf, message [0]     ->  00 00 00 00 07 00 P
 *   id 7, Protobuf, message [1]     ->  00 00 00 00 07 02 02 P
 *   id 7, Protobuf, message [0, 2]  ->  00 00 00 00 07 04 00 04 P
 */
import type { ByteWriter } from './byte-io.js';
import { ByteReader } from './byte-io.js';

export const MAGIC_BYTE = 0;

export function writePrefix(out: ByteWriter, schemaId: number, messageIndexes?: readonly number[]): void {
  out.byte(MAGIC_BYTE).int32BE(schemaId);
  if (messageIndexes === undefined) return;
  if (messageIndexes.length === 1 && messageIndexes[0] === 0) {
    out.byte(0);
    return;
  }
  out.zigzag(messageIndexes.length);
  for (const i of messageIndexes) out.zigzag(i);
}

export interface WirePrefix {
  readonly schemaId: number;
  readonly messageIndexes?: readonly number[];
  /** Where the payload starts. */
  readonly offset: number;
}

export function readPrefix(bytes: Buffer, withMessageIndexes: boolean): WirePrefix {
  if (bytes.length < 5 || bytes[0] !== MAGIC_BYTE) {
    throw new Error(
      'Unknown magic byte! The record does not start with the schema registry wire format (magic byte 0 and a schema id). ' +
        'If it was not written with a schema registry serializer, declare the topic with a format that does not use one (e.g. JSON instead of JSON_SR).',
    );
  }
  const reader = new ByteReader(bytes, 1);
  const schemaId = reader.int32BE();
  if (!withMessageIndexes) return { schemaId, offset: reader.pos };
  const count = Number(reader.zigzag());
  if (count === 0) return { schemaId, messageIndexes: [0], offset: reader.pos };
  if (count < 0 || count > 100) throw new Error(`Invalid message index count ${count}`);
  const messageIndexes: number[] = [];
  for (let i = 0; i < count; i++) messageIndexes.push(Number(reader.zigzag()));
  return { schemaId, messageIndexes, offset: reader.pos };
}
