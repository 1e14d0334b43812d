/**
 * HostInfo: where an app instance answers for its own state (Kafka Streams' `application.server`):
 * an endpoint of the user's own choosing (HTTP, gRPC...), which the engine only passes around so
 * that any instance can tell which one holds a key.
 */
import { StreamsError } from './errors.js';

export interface HostInfo {
  host: string;
  port: number;
}

/** A DNS name or IPv4 address, or an IPv6 address in brackets; then a port of 1-65535. */
const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?)):(\d{1,5})$/;

/** Parses 'host:port' (an IPv6 host without its brackets, as Kafka does); null when it is not one. */
export function parseHostInfo(value: string): HostInfo | null {
  const m = HOST_PORT.exec(value);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2]!, port };
}

/** Parses the `applicationServer` setting; throws STREAMS_CONFIG saying what a valid one looks like. */
export function applicationServer(value: unknown): HostInfo | null {
  if (value === undefined) return null;
  const parsed = typeof value === 'string' ? parseHostInfo(value) : null;
  if (parsed === null) {
    throw new StreamsError(
      'STREAMS_CONFIG',
      `applicationServer must be 'host:port' (where other instances reach this one's own endpoint for interactive queries), with a port of 1-65535, e.g. 'localhost:7070' or '[::1]:7070'; got ${JSON.stringify(value)}.`,
    );
  }
  return parsed;
}

export function formatHostInfo(h: HostInfo): string {
  return h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
}
