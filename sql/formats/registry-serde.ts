/**
 * What AVRO, PROTOBUF and JSON_SR share: finding the writer's schema id when a serde is made,
 * and finding the writer's schema by id for every record read.
 *
 * Writing: with KEY_SCHEMA_ID/VALUE_SCHEMA_ID the given schema writes; otherwise the schema
 * generated from the columns is registered under the subject (`<topic>-key|-value`), or, with
 * `autoRegister: false`, looked up there. A serde that cannot write (no subject, schema not
 * registered) still reads, and fails each write with a typed error saying why.
 *
 * Reading: the schema id in each record picks the writer's schema, parsed once per id. An id
 * the registry client does not hold yet fails that record and is fetched for the next ones.
 */
import type { ResolvedSchema, SchemaRegistryClient, SchemaType } from '../schema-registry/client.js';
import { SchemaRegistryError } from '../schema-registry/errors.js';
import { FormatError, SerializationError } from './errors.js';
import { subjectOf, type SerdeOptions } from './format.js';

export function requireRegistry(formatName: string, options: SerdeOptions): SchemaRegistryClient {
  if (!options.registry) {
    throw new FormatError('FORMAT_NO_SCHEMA_REGISTRY', `The '${formatName}' format needs a schema registry; configure one (ksql.schema.registry.url) or use a format without one.`);
  }
  return options.registry;
}

/** A registered schema given by id (KEY_SCHEMA_ID / VALUE_SCHEMA_ID), checked to be of the format's type. */
export async function fetchSchemaById(registry: SchemaRegistryClient, id: number, schemaType: SchemaType, formatName: string): Promise<ResolvedSchema> {
  let resolved: ResolvedSchema;
  try {
    resolved = await registry.getById(id);
  } catch (err) {
    throw new FormatError('FORMAT_SCHEMA_MISMATCH', `Failed to fetch schema for serialization from Schema Registry using schema id: ${id}. ${(err as Error).message}`, { cause: err });
  }
  if (resolved.schemaType !== schemaType) {
    throw new FormatError('FORMAT_SCHEMA_MISMATCH', `Schema ${id} is a ${resolved.schemaType} schema; the '${formatName}' format needs ${schemaType}.`);
  }
  return resolved;
}

/**
 * The id the generated schema writes with: registered under the subject (or looked up there),
 * or an error every write will report when there is none.
 */
export async function writerIdFor(registry: SchemaRegistryClient, options: SerdeOptions, schemaType: SchemaType, text: string): Promise<number | SerializationError> {
  const subject = subjectOf(options);
  if (subject === undefined) {
    return new SerializationError('This serde has no topic or subject to register its schema under, so it can only read.');
  }
  if (options.autoRegister === false) {
    const found = await registry.lookup(subject, { schema: text, schemaType });
    return found ? found.id : new SerializationError(`The schema for these columns is not registered under subject '${subject}', and this serde does not register schemas.`);
  }
  try {
    return await registry.register(subject, { schema: text, schemaType });
  } catch (err) {
    if (err instanceof SchemaRegistryError) {
      throw new FormatError('FORMAT_SCHEMA_MISMATCH', `Could not register schema for subject '${subject}': ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** Writer schemas by id, parsed once; ids the client does not hold are fetched in the background. */
export class SchemaCache<S> {
  private readonly parsed = new Map<number, S | Error>();
  private readonly fetching = new Set<number>();

  constructor(
    private readonly registry: SchemaRegistryClient,
    private readonly schemaType: SchemaType,
    private readonly parse: (resolved: ResolvedSchema) => S,
  ) {}

  /** Seeds the cache (the serde's own writer schema needs no lookup). */
  set(id: number, schema: S): void {
    this.parsed.set(id, schema);
  }

  get(id: number): S {
    const hit = this.parsed.get(id);
    if (hit !== undefined) {
      if (hit instanceof Error) throw hit;
      return hit;
    }
    const resolved = this.registry.peekById(id);
    if (!resolved) {
      this.fetch(id);
      throw new SerializationError(`Schema id ${id} is not known to this schema registry client yet; it is being fetched, and later records will read.`);
    }
    let result: S | Error;
    if (resolved.schemaType !== this.schemaType) {
      result = new SerializationError(`The record was written with schema ${id}, a ${resolved.schemaType} schema, not ${this.schemaType}.`);
    } else {
      try {
        result = this.parse(resolved);
      } catch (err) {
        result = new SerializationError(`Schema ${id} from the registry cannot be used: ${(err as Error).message}`, { cause: err });
      }
    }
    this.parsed.set(id, result);
    if (result instanceof Error) throw result;
    return result;
  }

  private fetch(id: number): void {
    if (this.fetching.has(id)) return;
    this.fetching.add(id);
    this.registry.getById(id).then(
      () => this.fetching.delete(id),
      () => this.fetching.delete(id),
    );
  }
}
