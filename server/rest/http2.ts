/**
 * HTTP/2 beside HTTP/1.1 on the REST port, as ksqlDB serves it: a connection that opens with the
 * HTTP/2 preface (cleartext, "prior knowledge", what the Java client and curl --http2-prior-knowledge
 * send) goes to an HTTP/2 server whose requests fastify routes like any other; every other
 * connection stays with the HTTP/1.1 server.
 */
import type { FastifyInstance } from 'fastify';
import http2 from 'node:http2';
import type { Socket } from 'node:net';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export function serveHttp2(app: FastifyInstance): void {
  const h2 = http2.createServer((request, response) => app.routing(request as never, response as never));
  const server = app.server;
  const http1 = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  // Sockets not handed to the HTTP/1.1 server (HTTP/2 ones, and those still deciding) are this
  // module's to close when the server closes.
  const own = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    own.add(socket);
    // A connection that sends nothing is closed, as the HTTP/1.1 server's headers timeout would.
    const idle = setTimeout(() => socket.destroy(), 30_000);
    socket.on('close', () => {
      own.delete(socket);
      clearTimeout(idle);
    });
    let seen = Buffer.alloc(0);
    const route = (): void => {
      clearTimeout(idle);
      socket.off('readable', onReadable);
      socket.off('end', route);
      if (seen.length > 0) socket.unshift(seen);
      if (seen.length >= PREFACE.length && seen.subarray(0, PREFACE.length).equals(PREFACE)) {
        h2.emit('connection', socket);
      } else {
        own.delete(socket);
        for (const listener of http1) listener.call(server, socket);
      }
    };
    // Reads until the bytes either are the preface or cannot be.
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      if (n === PREFACE.length || !seen.subarray(0, n).equals(PREFACE.subarray(0, n))) route();
    };
    socket.on('readable', onReadable);
    socket.on('end', route);
  });
  app.addHook('preClose', async () => {
    for (const socket of own) socket.destroy();
  });
}
