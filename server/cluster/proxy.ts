import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A small round-robin load balancer for local proof and tests only (production puts nginx or a
 * cloud balancer in front; see docs-draft/deploy.md). Each HTTP request and each WebSocket
 * connection goes to the next backend, so one member's consecutive requests land on different
 * instances: no sticky sessions. A backend that refuses the connection (killed) is skipped and
 * the request is tried on the next one, since it never reached the dead instance.
 */
export interface Backend {
  host: string;
  port: number;
}

export interface RoundRobinProxy {
  url: string;
  port: number;
  setBackends(backends: Backend[]): void;
  /** Counts per backend ("host:port" → requests + upgrades), for tests and the run script. */
  counts(): Map<string, number>;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

function forwardedHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  const client = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

function isRefused(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE';
}

export async function startRoundRobinProxy(
  opts: { host?: string; port?: number; backends?: Backend[] } = {},
): Promise<RoundRobinProxy> {
  const host = opts.host ?? '127.0.0.1';
  let backends: Backend[] = opts.backends ?? [];
  let next = 0;
  const counts = new Map<string, number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const upgraded = new Set<net.Socket>();

  /** The backends in the order to try for one request: the next in turn first. */
  function order(): Backend[] {
    const list = backends.slice();
    if (list.length === 0) return list;
    const start = next++ % list.length;
    return [...list.slice(start), ...list.slice(0, start)];
  }
  const count = (b: Backend) => {
    const key = `${b.host}:${b.port}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };

  const server = http.createServer((req, res) => {
    // The body is buffered so a request refused by a dead backend can be sent to the next one.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => attempt(order(), Buffer.concat(chunks)));
    req.on('error', () => res.destroy());

    function attempt(candidates: Backend[], body: Buffer): void {
      const backend = candidates.shift();
      if (!backend) {
        res.writeHead(502, { 'content-type': 'text/plain' }).end('No instance answered.\n');
        return;
      }
      let answered = false;
      const upstream = http.request(
        {
          host: backend.host,
          port: backend.port,
          method: req.method,
          path: req.url,
          headers: { ...forwardedHeaders(req), 'content-length': String(body.length) },
          agent,
        },
        (up) => {
          answered = true;
          count(backend);
          const headers: http.OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(up.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
          }
          res.writeHead(up.statusCode ?? 502, headers);
          up.pipe(res);
          up.on('error', () => res.destroy());
        },
      );
      upstream.on('error', (error) => {
        // Nothing was answered and the instance is gone: it never handled this request.
        if (!answered && isRefused(error) && !res.headersSent) attempt(candidates, body);
        else res.destroy();
      });
      upstream.end(body);
    }
  });

  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    upgraded.add(client);
    client.once('close', () => upgraded.delete(client));
    client.on('error', () => client.destroy());
    const candidates = order();
    const tryNext = (): void => {
      const backend = candidates.shift();
      if (!backend) {
        client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n');
        return;
      }
      const upstream = net.connect(backend.port, backend.host);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        count(backend);
        const headers = forwardedHeaders(req);
        const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
        for (const [name, value] of Object.entries(headers)) {
          for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
        }
        lines.push('connection: Upgrade', `upgrade: ${req.headers.upgrade ?? 'websocket'}`);
        upstream.write(lines.join('\r\n') + '\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', (error) => {
        if (!connected && isRefused(error)) tryNext();
        else client.destroy();
      });
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
    };
    tryNext();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    setBackends(list) {
      backends = list.slice();
    },
    counts: () => new Map(counts),
    async close() {
      for (const socket of upgraded) socket.destroy();
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
