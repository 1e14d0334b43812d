/**
 * What formats need from a schema registry, as an interface: the embedded registry implements
 * it, and a client of a remote Confluent Schema Registry (http-client.ts) can stand in for it.
 *
 * Serdes run synchronously per record, so reading a record whose schema id has not been seen
 * cannot wait for the network: `peekById` answers from what the client already holds (the
 * embedded registry holds everything), and a miss makes the deserializer fail that record with
 * a typed error and fetch the schema in the background for the records after it.
 */

/** Confluent's `schemaType`; AVRO when absent, as in the REST API. */
export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

export const SCHEMA_TYPES: readonly SchemaType[] = ['AVRO', 'PROTOBUF', 'JSON'];

/** A schema imported by another: Protobuf `import "name"`, JSON Schema `$ref: "name"`, Avro named types. */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** A schema as registered: its text, type and references. */
export interface SchemaDefinition {
  readonly schema: string;
  readonly schemaType: SchemaType;
  readonly references: readonly SchemaReference[];
}

/** A schema as a client gives one to register or look up; type AVRO and no references by default. */
export interface SchemaInput {
  readonly schema: string;
  readonly schemaType?: SchemaType;
  readonly references?: readonly SchemaReference[];
}

/** One version of a subject. */
export interface SubjectVersion extends SchemaDefinition {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
}

/** A schema with the schemas it references, transitively, by reference name: enough to parse it. */
export interface ResolvedSchema extends SchemaDefinition {
  readonly id: number;
  readonly referenced: ReadonlyMap<string, SchemaDefinition>;
}

export interface SchemaRegistryClient {
  /** Registers the schema under the subject (or finds it there) and returns its global id. */
  register(subject: string, schema: SchemaInput): Promise<number>;
  /** The version of the subject holding exactly this schema, or null. */
  lookup(subject: string, schema: SchemaInput): Promise<SubjectVersion | null>;
  /** The schema with this id and everything it references. Throws when no schema has the id. */
  getById(id: number): Promise<ResolvedSchema>;
  /** As getById, from what the client holds, without I/O; undefined when it would need some. */
  peekById(id: number): ResolvedSchema | undefined;
  /** The subject's latest (not deleted) version, or null when it has none. */
  getLatest(subject: string): Promise<SubjectVersion | null>;
  /** A version of a subject. Throws when there is no such version. */
  getVersion(subject: string, version: number): Promise<SubjectVersion>;
}

export function schemaInput(schema: string | SchemaInput, schemaType: SchemaType = 'AVRO'): Required<SchemaInput> {
  if (typeof schema === 'string') return { schema, schemaType, references: [] };
  return { schema: schema.schema, schemaType: schema.schemaType ?? 'AVRO', references: schema.references ?? [] };
}
