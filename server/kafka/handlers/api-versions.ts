/**
 * ApiVersions: which APIs and versions this listener serves. A client asks first and then uses,
 * per API, the highest version both sides know. An ApiVersions request of a version we lack is
 * answered by the connection itself (v0 body, UNSUPPORTED_VERSION, the list), so the client
 * can retry with a version from the list.
 */
import { defineHandler } from './handler.js';

export const apiVersions = defineHandler({
  apiKey: 18,
  name: 'ApiVersions',
  versions: { min: 0, max: 4 },
  handle(_req, ctx) {
    return { errorCode: 0, apiKeys: ctx.listener.apiVersions, throttleTimeMs: 0 };
  },
  errorResponse(_req, errorCode, ctx) {
    return { errorCode, apiKeys: ctx.listener.apiVersions };
  },
});
