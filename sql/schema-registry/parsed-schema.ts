/**
 * One interface over the three schema types, for the registry: parse (rejecting invalid
 * schemas), decide identity (what "the same schema" means for idempotent registration) and
 * check compatibility between versions.
 *
 *   type      stored text                      identity
 *   AVRO      canonical JSON (printAvroSchema)  the canonical JSON
 *   PROTOBUF  the text as registered           normalised model (protobufIdentity)
 *   JSON      compact JSON, key order kept      the compact JSON
 *
 * References are part of identity: the same text importing different versions is a different
 * schema.
 */
import { avroIncompatibilities } from './avro-compatibility.js';
import { AvroSchemaError, parseAvroJson, printAvroSchema, type AvroNames, type AvroSchema } from './avro-schema.js';
import type { SchemaDefinition, SchemaReference, SchemaType } from './client.js';
import { SchemaRegistryError } from './errors.js';
import { jsonSchemaIdentity, jsonSchemaIncompatibilities, parseJsonSchema, type JsonSchemaDocument } from './json-schema.js';
import { protobufIncompatibilities } from './protobuf-compatibility.js';
import { parseProtobufSchema, protobufIdentity, type ProtoFile } from './protobuf-schema.js';

export type ParsedSchema =
  | { readonly schemaType: 'AVRO'; readonly text: string; readonly identity: string; readonly avro: AvroSchema }
  | { readonly schemaType: 'PROTOBUF'; readonly text: string; readonly identity: string; readonly proto: ProtoFile }
  | { readonly schemaType: 'JSON'; readonly text: string; readonly identity: string; readonly json: JsonSchemaDocument };

/** Referenced schemas by reference name, transitively (what `import`/`$ref`/named types refer to). */
export type ReferencedSchemas = ReadonlyMap<string, SchemaDefinition>;

export function parseSchema(schemaType: SchemaType, text: string, references: readonly SchemaReference[], referenced: ReferencedSchemas): ParsedSchema {
  const refKey = references.length === 0 ? '' : `|refs:${JSON.stringify(references.map((r) => [r.name, r.subject, r.version]))}`;
  try {
    switch (schemaType) {
      case 'AVRO': {
        const names: AvroNames = new Map();
        for (const def of referenced.values()) parseAvroJson(JSON.parse(def.schema), names);
        const predefined = new Set(names.keys());
        const avro = parseAvroJson(parseJsonOrName(text), names);
        const canonical = printAvroSchema(avro, predefined);
        return { schemaType, text: canonical, identity: `AVRO:${canonical}${refKey}`, avro };
      }
      case 'PROTOBUF': {
        const texts = new Map([...referenced].map(([name, def]) => [name, def.schema]));
        const proto = parseProtobufSchema(text, texts);
        return { schemaType, text, identity: `PROTOBUF:${protobufIdentity(proto)}${refKey}`, proto };
      }
      case 'JSON': {
        const texts = new Map([...referenced].map(([name, def]) => [name, def.schema]));
        const json = parseJsonSchema(text, texts);
        const compact = jsonSchemaIdentity(text);
        return { schemaType, text: compact, identity: `JSON:${compact}${refKey}`, json };
      }
    }
  } catch (err) {
    if (err instanceof SchemaRegistryError) throw err;
    const reason = err instanceof AvroSchemaError || err instanceof Error ? err.message : String(err);
    throw new SchemaRegistryError('INVALID_SCHEMA', `Invalid schema of type ${schemaType}: ${reason}`, { cause: err });
  }
}

function parseJsonOrName(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text.trim())) return text.trim();
    throw new AvroSchemaError(`Invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * Why data written with `writer` cannot be read with `reader` (empty when it can). BACKWARD asks
 * (reader = new, writer = old), FORWARD (reader = old, writer = new).
 */
export function readIncompatibilities(reader: ParsedSchema, writer: ParsedSchema): string[] {
  if (reader.schemaType !== writer.schemaType) {
    return [`Incompatible because of different schema type: ${writer.schemaType} cannot become ${reader.schemaType}`];
  }
  switch (reader.schemaType) {
    case 'AVRO':
      return avroIncompatibilities(reader.avro, (writer as typeof reader).avro);
    case 'PROTOBUF':
      return protobufIncompatibilities((writer as typeof reader).proto, reader.proto);
    case 'JSON':
      return jsonSchemaIncompatibilities((writer as typeof reader).json, reader.json);
  }
}
