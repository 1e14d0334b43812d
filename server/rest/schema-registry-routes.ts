/**
 * Confluent Schema Registry's REST API over the embedded registry (sql/schema-registry), as a
 * fastify plugin, so Confluent's serializers, kcat -s, the Confluent CLI and anything else that
 * speaks to a schema registry at :8081 can use Freshet's. Mount it on its own server
 * (schema-registry-server.ts) or under a prefix of another:
 *
 *   await app.register(schemaRegistryRoutes(registry), { prefix: '/schema-registry' });
 *
 *   GET    /subjects[?deleted&subjectPrefix]                 GET  /schemas/ids/{id}[/schema]
 *   POST   /subjects/{s}                  (lookup)           GET  /schemas/ids/{id}/versions
 *   DELETE /subjects/{s}[?permanent]                         GET  /schemas/ids/{id}/subjects
 *   GET    /subjects/{s}/versions                            GET  /schemas[?subjectPrefix&latestOnly]
 *   POST   /subjects/{s}/versions         (register)         GET  /schemas/types
 *   GET    /subjects/{s}/versions/{v}[/schema]               GET|PUT|DELETE /config[/{s}]
 *   DELETE /subjects/{s}/versions/{v}[?permanent]            POST /compatibility/subjects/{s}/versions[/{v}]
 *   GET    /subjects/{s}/versions/{v}/referencedby
 *
 * The plugin is encapsulated: its body parsers, content negotiation, error and not-found
 * handlers apply to its own routes only, never to the server it is mounted on.
 *
 * Bodies are JSON sent as application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json,
 * application/json or (as Confluent allows for ad hoc clients) application/octet-stream.
 * Responses take the best of the first three the Accept header allows, preferring them in that
 * order as Confluent does. Every failure is Confluent's body, `{"error_code": 40401, "message": ...}`,
 * with the HTTP status in the code's first three digits; AVRO, the default schemaType, and empty
 * references are left out of responses as Confluent leaves them out.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { SCHEMA_TYPES, type SchemaDefinition, type SchemaInput, type SchemaReference, type SchemaType, type SubjectVersion } from '../../sql/schema-registry/client.js';
import { parseCompatibilityLevel, type CompatibilityLevel } from '../../sql/schema-registry/compatibility.js';
import { SchemaRegistryError } from '../../sql/schema-registry/errors.js';
import type { SchemaRegistry, VersionSpec } from '../../sql/schema-registry/schema-registry.js';

export interface SchemaRegistryRoutesOptions {
  /**
   * Answer unknown paths under the plugin's prefix with Confluent's `{"error_code": 404}` body.
   * Default true. Turn it off when mounting without a prefix on a server with its own not-found
   * handler (fastify allows one per prefix).
   */
  readonly notFoundHandler?: boolean;
}

const V1_JSON = 'application/vnd.schemaregistry.v1+json';
const DEFAULT_JSON = 'application/vnd.schemaregistry+json';
const JSON_TYPE = 'application/json';
/** What a client that names no content type sends; Confluent reads it as JSON. */
const GENERIC_REQUEST = 'application/octet-stream';

/** Response types with the server's preference (Confluent's qs values), best first. */
const RESPONSE_TYPES: readonly (readonly [string, number])[] = [
  [V1_JSON, 1],
  [DEFAULT_JSON, 0.9],
  [JSON_TYPE, 0.5],
];

type Route = { Params: Record<string, string>; Querystring: Record<string, string | undefined>; Body: unknown };
type Req = FastifyRequest<Route>;

export function schemaRegistryRoutes(registry: SchemaRegistry, options: SchemaRegistryRoutesOptions = {}): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    installProtocol(app, options);
    subjectRoutes(app, registry);
    schemaRoutes(app, registry);
    configRoutes(app, registry);
    compatibilityRoutes(app, registry);
  };
}

// ---- protocol: bodies, content negotiation, errors ------------------------------------------

function installProtocol(app: FastifyInstance, options: SchemaRegistryRoutesOptions): void {
  // Only JSON is read, whichever of Confluent's names it comes under; text/plain and the like
  // get 415 rather than reaching a handler as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([V1_JSON, DEFAULT_JSON, JSON_TYPE, GENERIC_REQUEST], { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new SchemaRegistryError('BAD_REQUEST', `The request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });

  const responseType = new WeakMap<FastifyRequest, string>();
  app.addHook('onRequest', async (request) => {
    const type = negotiate(request.headers.accept);
    if (type === undefined) {
      throw new SchemaRegistryError('NOT_ACCEPTABLE', `HTTP 406 Not Acceptable: the Accept header allows none of ${RESPONSE_TYPES.map(([t]) => t).join(', ')}.`);
    }
    responseType.set(request, type);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('content-type', responseType.get(request) ?? V1_JSON);
    return payload;
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    const { status, body } = errorBody(error);
    if (status >= 500) request.log.error({ err: error }, 'schema registry request failed');
    return reply.code(status).send(body);
  });

  if (options.notFoundHandler ?? true) {
    app.setNotFoundHandler(async (request) => {
      throw new SchemaRegistryError('HTTP_NOT_FOUND', `HTTP 404 Not Found: no schema registry endpoint ${request.method} ${request.url}.`);
    });
  }
}

function errorBody(error: unknown): { status: number; body: { error_code: number; message: string } } {
  const render = (e: SchemaRegistryError) => ({ status: e.httpStatus, body: { error_code: e.errorCode, message: e.message } });
  if (error instanceof SchemaRegistryError) return render(error);
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return render(new SchemaRegistryError('UNSUPPORTED_MEDIA_TYPE', `HTTP 415 Unsupported Media Type: send the body as ${V1_JSON}, ${DEFAULT_JSON} or ${JSON_TYPE}.`));
  }
  // fastify's other client errors (413 body too large, ...) keep their status as the code, as Confluent's do.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return { status: e.statusCode, body: { error_code: e.statusCode, message } };
  return render(new SchemaRegistryError('INTERNAL_SERVER_ERROR', `Internal Server Error: ${message}`));
}

/**
 * The response type for an Accept header: for each type the server offers, the client's q of
 * the most specific range matching it, times the server's qs; the best product wins, ties going
 * to the server's preference. Undefined when the header allows none.
 */
function negotiate(accept: string | undefined): string | undefined {
  if (accept === undefined || accept.trim() === '') return V1_JSON;
  const ranges = accept.split(',').map(parseMediaRange).filter((r) => r !== undefined);
  let best: string | undefined;
  let bestScore = 0;
  for (const [type, qs] of RESPONSE_TYPES) {
    const score = qualityFor(type, ranges) * qs;
    if (score > bestScore) {
      best = type;
      bestScore = score;
    }
  }
  return best;
}

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseMediaRange(text: string): MediaRange | undefined {
  const [range, ...params] = text.split(';').map((p) => p.trim());
  const [type, subtype] = (range ?? '').toLowerCase().split('/');
  if (!type || !subtype) return undefined;
  let q = 1;
  for (const param of params) {
    const [name, value] = param.split('=').map((p) => p.trim());
    if (name?.toLowerCase() === 'q') q = Math.min(1, Math.max(0, Number(value) || 0));
  }
  return { type, subtype, q };
}

function qualityFor(offered: string, ranges: readonly MediaRange[]): number {
  const [type, subtype] = offered.split('/');
  let specificity = -1;
  let q = 0;
  for (const r of ranges) {
    const s = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
    if (s > specificity) {
      specificity = s;
      q = r.q;
    }
  }
  return q;
}

// ---- subjects and versions --------------------------------------------------------------------

function subjectRoutes(app: FastifyInstance, registry: SchemaRegistry): void {
  app.get('/', async () => ({}));

  app.get<Route>('/subjects', async (request) => registry.listSubjects({ deleted: flag(request, 'deleted'), prefix: request.query.subjectPrefix }));

  app.post<Route>('/subjects/:subject', async (request) => {
    const found = await registry.lookupSchema(request.params.subject!, schemaRequest(request.body), { deleted: flag(request, 'deleted') });
    return versionView(found);
  });

  app.delete<Route>('/subjects/:subject', async (request) => registry.deleteSubject(request.params.subject!, { permanent: flag(request, 'permanent') }));

  app.get<Route>('/subjects/:subject/versions', async (request) => registry.listVersions(request.params.subject!, { deleted: flag(request, 'deleted') }));

  app.post<Route>('/subjects/:subject/versions', async (request) => {
    const input = schemaRequest(request.body, { allowId: true });
    const id = await registry.register(request.params.subject!, input, input.id === undefined ? {} : { id: input.id });
    return { id };
  });

  app.get<Route>('/subjects/:subject/versions/:version', async (request) => versionView(versionOf(registry, request)));

  app.get<Route>('/subjects/:subject/versions/:version/schema', async (request) => versionOf(registry, request).schema);

  app.get<Route>('/subjects/:subject/versions/:version/referencedby', async (request) => registry.getReferencedBy(request.params.subject!, versionParam(request)));

  app.delete<Route>('/subjects/:subject/versions/:version', async (request) =>
    registry.deleteVersion(request.params.subject!, versionParam(request), { permanent: flag(request, 'permanent') }),
  );
}

function versionOf(registry: SchemaRegistry, request: Req): SubjectVersion {
  return registry.getVersionSync(request.params.subject!, versionParam(request), { deleted: flag(request, 'deleted') });
}

// ---- schemas by id ----------------------------------------------------------------------------

function schemaRoutes(app: FastifyInstance, registry: SchemaRegistry): void {
  app.get('/schemas/types', async () => ['JSON', 'PROTOBUF', 'AVRO']);

  app.get<Route>('/schemas', async (request) => {
    const deleted = flag(request, 'deleted');
    const out: ReturnType<typeof versionView>[] = [];
    for (const subject of registry.listSubjects({ deleted, prefix: request.query.subjectPrefix })) {
      const versions = registry.listVersions(subject, { deleted });
      for (const version of flag(request, 'latestOnly') ? versions.slice(-1) : versions) {
        out.push(versionView(registry.getVersionSync(subject, version, { deleted })));
      }
    }
    return out;
  });

  app.get<Route>('/schemas/ids/:id', async (request) => {
    const schema = registry.getByIdSync(idParam(request));
    return { ...typeAndReferences(schema), schema: schema.schema };
  });

  app.get<Route>('/schemas/ids/:id/schema', async (request) => registry.getByIdSync(idParam(request)).schema);

  app.get<Route>('/schemas/ids/:id/versions', async (request) => registry.getVersionsById(idParam(request), { deleted: flag(request, 'deleted') }));

  app.get<Route>('/schemas/ids/:id/subjects', async (request) => registry.getSubjectsById(idParam(request), { deleted: flag(request, 'deleted') }));
}

// ---- configuration ----------------------------------------------------------------------------

function configRoutes(app: FastifyInstance, registry: SchemaRegistry): void {
  app.get('/config', async () => ({ compatibilityLevel: registry.getCompatibility() }));

  app.put<Route>('/config', async (request) => ({ compatibility: await registry.setCompatibility(compatibilityRequest(request.body)) }));

  app.delete('/config', async () => ({ compatibilityLevel: await registry.deleteCompatibility() }));

  app.get<Route>('/config/:subject', async (request) => ({
    compatibilityLevel: registry.getCompatibility(request.params.subject!, { defaultToGlobal: flag(request, 'defaultToGlobal') }),
  }));

  app.put<Route>('/config/:subject', async (request) => ({
    compatibility: await registry.setCompatibility(compatibilityRequest(request.body), request.params.subject!),
  }));

  app.delete<Route>('/config/:subject', async (request) => {
    const subject = request.params.subject!;
    // A subject with neither a level of its own nor any version is unknown (40401); one with
    // versions but no level of its own gets the registry's 40408.
    if (ownCompatibility(registry, subject) === undefined && !registry.listSubjects({ deleted: true }).includes(subject)) {
      throw new SchemaRegistryError('SUBJECT_NOT_FOUND', `Subject '${subject}' not found.`);
    }
    return { compatibilityLevel: await registry.deleteCompatibility(subject) };
  });
}

function ownCompatibility(registry: SchemaRegistry, subject: string): CompatibilityLevel | undefined {
  try {
    return registry.getCompatibility(subject);
  } catch (err) {
    if (err instanceof SchemaRegistryError && err.code === 'SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED') return undefined;
    throw err;
  }
}

// ---- compatibility checks -----------------------------------------------------------------------

function compatibilityRoutes(app: FastifyInstance, registry: SchemaRegistry): void {
  const answer = (result: { isCompatible: boolean; messages: string[] }, request: Req) =>
    flag(request, 'verbose') ? { is_compatible: result.isCompatible, messages: result.messages } : { is_compatible: result.isCompatible };

  app.post<Route>('/compatibility/subjects/:subject/versions', async (request) =>
    answer(await registry.testCompatibility(request.params.subject!, schemaRequest(request.body)), request),
  );

  app.post<Route>('/compatibility/subjects/:subject/versions/:version', async (request) => {
    const subject = request.params.subject!;
    const version = versionParam(request);
    const input = schemaRequest(request.body);
    // Against "latest" of a subject with no versions there is nothing to be incompatible with,
    // which Confluent (since 6.x) answers as compatible rather than 40401.
    const latestOfNothing = (version === 'latest' || version === -1) && !registry.listSubjects().includes(subject);
    return answer(await registry.testCompatibility(subject, input, latestOfNothing ? {} : { version }), request);
  });
}

// ---- request parsing ------------------------------------------------------------------------------

function flag(request: Req, name: string): boolean {
  return request.query[name]?.toLowerCase() === 'true';
}

/** A path version: a number (-1 is latest) or "latest"; anything else is 42202. */
function versionParam(request: Req): VersionSpec {
  const text = request.params.version ?? '';
  if (text === 'latest') return 'latest';
  if (/^-?\d{1,10}$/.test(text)) return Number(text); // the registry range-checks it
  throw new SchemaRegistryError(
    'INVALID_VERSION',
    `The specified version '${text}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
  );
}

function idParam(request: Req): number {
  const text = request.params.id ?? '';
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2147483647) {
    throw new SchemaRegistryError('SCHEMA_NOT_FOUND', `Schema ${text} not found: a schema id is a positive 32-bit integer.`);
  }
  return Number(text);
}

/** The body of register, lookup and compatibility requests: {schema, schemaType?, references?[, id?]}. */
function schemaRequest(body: unknown, options: { allowId?: boolean } = {}): Required<SchemaInput> & { id?: number } {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('the request body must be a JSON object such as {"schema": "...", "schemaType": "AVRO"}.');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.schema !== 'string' || b.schema.trim() === '') throw invalid('"schema" must be the schema as a non-empty string (the schema text, JSON-escaped).');
  const schemaType = schemaTypeOf(b.schemaType);
  const references = referencesOf(b.references);
  let id: number | undefined;
  if (options.allowId && b.id !== undefined && b.id !== null) {
    if (!Number.isInteger(b.id)) throw invalid('"id" must be an integer.');
    // Clients send -1 (or 0) for "no id"; a positive id imports the schema under that id.
    if ((b.id as number) > 0) id = b.id as number;
  }
  return { schema: b.schema, schemaType, references, ...(id === undefined ? {} : { id }) };
}

function schemaTypeOf(value: unknown): SchemaType {
  if (value === undefined || value === null) return 'AVRO';
  const type = typeof value === 'string' ? (value.toUpperCase() as SchemaType) : undefined;
  if (type === undefined || !SCHEMA_TYPES.includes(type)) {
    throw new SchemaRegistryError('INVALID_SCHEMA', `Invalid schema type ${JSON.stringify(value)}: supported types are ${SCHEMA_TYPES.join(', ')}.`);
  }
  return type;
}

function referencesOf(value: unknown): SchemaReference[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('"references" must be an array of {"name", "subject", "version"}.');
  return value.map((r: unknown, i) => {
    const ref = (r ?? {}) as Record<string, unknown>;
    if (typeof ref.name !== 'string' || typeof ref.subject !== 'string' || !Number.isInteger(ref.version)) {
      throw invalid(`reference ${i} must be {"name": string, "subject": string, "version": integer}.`);
    }
    return { name: ref.name, subject: ref.subject, version: ref.version as number };
  });
}

function compatibilityRequest(body: unknown): CompatibilityLevel {
  const level = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).compatibility : undefined;
  // parseCompatibilityLevel's 42203 lists the valid levels.
  return parseCompatibilityLevel(typeof level === 'string' ? level : '');
}

function invalid(reason: string): SchemaRegistryError {
  return new SchemaRegistryError('INVALID_SCHEMA', `Invalid schema: ${reason}`);
}

// ---- responses ------------------------------------------------------------------------------------

function typeAndReferences(schema: SchemaDefinition): { schemaType?: SchemaType; references?: readonly SchemaReference[] } {
  return {
    ...(schema.schemaType === 'AVRO' ? {} : { schemaType: schema.schemaType }),
    ...(schema.references.length === 0 ? {} : { references: schema.references }),
  };
}

function versionView(v: SubjectVersion): { subject: string; version: number; id: number; schemaType?: SchemaType; references?: readonly SchemaReference[]; schema: string } {
  return { subject: v.subject, version: v.version, id: v.id, ...typeAndReferences(v), schema: v.schema };
}
