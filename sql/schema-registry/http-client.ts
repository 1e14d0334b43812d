/**
 * A SchemaRegistryClient for a remote Confluent Schema Registry (or anything speaking its REST
 * API, Freshet's own REST layer included), over fetch. Schemas fetched by id are kept, so
 * `peekById` answers for them and serdes read records of known schemas without waiting.
 */
import { schemaInput, type ResolvedSchema, type SchemaDefinition, type SchemaInput, type SchemaReference, type SchemaRegistryClient, type SchemaType, type SubjectVersion } from './client.js';
import { SchemaRegistryError } from './errors.js';

export interface HttpSchemaRegistryClientOptions {
  /** Base URL, e.g. http://localhost:8081. */
  readonly url: string;
  /** Sent as Basic authentication ("user:password"). */
  readonly basicAuth?: string;
  readonly timeoutMs?: number;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

interface SchemaResponse {
  subject?: string;
  version?: number;
  id?: number;
  schema: string;
  schemaType?: SchemaType;
  references?: SchemaReference[];
}

export class HttpSchemaRegistryClient implements SchemaRegistryClient {
  private readonly byId = new Map<number, ResolvedSchema>();
  private readonly base: string;

  constructor(private readonly options: HttpSchemaRegistryClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async register(subject: string, schema: SchemaInput): Promise<number> {
    const { id } = await this.request<{ id: number }>('POST', `/subjects/${enc(subject)}/versions`, toBody(schema));
    // The registry may store the text normalised, so only the id's own text is cached (by getById).
    await this.getById(id);
    return id;
  }

  async lookup(subject: string, schema: SchemaInput): Promise<SubjectVersion | null> {
    try {
      return toVersion(await this.request<SchemaResponse>('POST', `/subjects/${enc(subject)}`, toBody(schema)));
    } catch (err) {
      if (err instanceof SchemaRegistryError && (err.code === 'SUBJECT_NOT_FOUND' || err.code === 'SCHEMA_NOT_FOUND')) return null;
      throw err;
    }
  }

  async getById(id: number): Promise<ResolvedSchema> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const r = await this.request<SchemaResponse>('GET', `/schemas/ids/${id}`);
    const references = r.references ?? [];
    const resolved: ResolvedSchema = { id, schema: r.schema, schemaType: r.schemaType ?? 'AVRO', references, referenced: await this.resolve(references, new Map(), 0) };
    this.byId.set(id, resolved);
    return resolved;
  }

  peekById(id: number): ResolvedSchema | undefined {
    return this.byId.get(id);
  }

  async getLatest(subject: string): Promise<SubjectVersion | null> {
    try {
      return toVersion(await this.request<SchemaResponse>('GET', `/subjects/${enc(subject)}/versions/latest`));
    } catch (err) {
      if (err instanceof SchemaRegistryError && (err.code === 'SUBJECT_NOT_FOUND' || err.code === 'VERSION_NOT_FOUND')) return null;
      throw err;
    }
  }

  async getVersion(subject: string, version: number): Promise<SubjectVersion> {
    return toVersion(await this.request<SchemaResponse>('GET', `/subjects/${enc(subject)}/versions/${version}`));
  }

  private async resolve(references: readonly SchemaReference[], out: Map<string, SchemaDefinition>, depth: number): Promise<Map<string, SchemaDefinition>> {
    if (depth > 32) throw new SchemaRegistryError('INVALID_SCHEMA', 'Schema references nest too deeply (or form a cycle).');
    for (const ref of references) {
      const v = await this.getVersion(ref.subject, ref.version);
      await this.resolve(v.references, out, depth + 1);
      out.set(ref.name, { schema: v.schema, schemaType: v.schemaType, references: v.references });
    }
    return out;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: CONTENT_TYPE };
    if (body !== undefined) headers['Content-Type'] = CONTENT_TYPE;
    if (this.options.basicAuth) headers.Authorization = `Basic ${Buffer.from(this.options.basicAuth).toString('base64')}`;
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    const json = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const e = (json ?? {}) as { error_code?: number; message?: string };
      throw SchemaRegistryError.fromErrorCode(e.error_code ?? response.status * 100 + 1, e.message ?? `${method} ${path} answered ${response.status}`);
    }
    return json as T;
  }
}

function enc(subject: string): string {
  return encodeURIComponent(subject);
}

function toBody(schema: SchemaInput): Record<string, unknown> {
  const input = schemaInput(schema);
  const body: Record<string, unknown> = { schema: input.schema };
  if (input.schemaType !== 'AVRO') body.schemaType = input.schemaType;
  if (input.references.length > 0) body.references = input.references;
  return body;
}

function toVersion(r: SchemaResponse): SubjectVersion {
  return { subject: r.subject ?? '', version: r.version ?? 0, id: r.id ?? 0, schema: r.schema, schemaType: r.schemaType ?? 'AVRO', references: r.references ?? [] };
}
