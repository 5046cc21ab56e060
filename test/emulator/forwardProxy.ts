// A small forward proxy on loopback for the corporate-network tests, written for them: plain HTTP requests are
// forwarded (absolute-form request line), HTTPS goes through CONNECT tunnels it cannot read. Every host name
// resolves to 127.0.0.1 here, so a test can use a name that is not loopback to the client (VS Code sends
// `localhost` and `127.0.0.1` direct, never through a proxy) and that the client could not resolve on its own:
// a request that arrives proves it came through the proxy. It records what it saw, and can act like the proxies
// users meet: one that wants credentials (407), one that answers with its own HTML error page.
import * as http from 'http';
import * as net from 'net';
import type { AddressInfo, Socket } from 'net';

export interface ProxiedRequest {
  /** `CONNECT` for a tunnel, else the forwarded method. */
  method: string;
  /** The absolute URL of a forwarded request, or `host:port` of a tunnel. */
  target: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

export interface ProxyBehaviour {
  /** Answer 407 (with `Proxy-Authenticate: Basic`) unless `Proxy-Authorization` carries these credentials. */
  requireAuth?: { user: string; password: string };
  /** Answer every request and CONNECT with this status and an HTML page, as a filtering proxy does. */
  htmlError?: { status: number; message: string };
}

/** What a proxy adds to its own answers (Squid and most others send a Via header). */
export const PROXY_VIA = '1.1 corp-proxy (feldera-test)';

export function proxyErrorPage(status: number, message: string): string {
  const title = `${status} ${http.STATUS_CODES[status] ?? 'Error'}`;
  return `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>${message}</p><hr><address>corp-proxy</address></body></html>\n`;
}

export class ForwardProxy {
  readonly requests: ProxiedRequest[] = [];
  /** What clients sent inside CONNECT tunnels (the TLS records), to check that nothing readable went through. */
  readonly tunnelled: Buffer[] = [];
  behaviour: ProxyBehaviour = {};
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();

  start(): Promise<string> {
    const server = http.createServer((req, res) => this.forward(req, res));
    server.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => this.tunnel(req, socket, head));
    server.on('connection', (s: Socket) => this.track(s));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(this.url()));
    });
  }

  /** `http://127.0.0.1:<port>`: what goes into VS Code's `http.proxy`. */
  url(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error('proxy not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  clear(): void {
    this.requests.length = 0;
    this.tunnelled.length = 0;
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
    });
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  private record(req: http.IncomingMessage): void {
    this.requests.push({ method: req.method ?? '', target: req.url ?? '', headers: req.headers, at: Date.now() });
  }

  /** The status and headers this proxy answers with itself instead of passing the request on, if any. */
  private refusal(
    req: http.IncomingMessage,
  ): { status: number; headers: Record<string, string>; body: string } | undefined {
    const b = this.behaviour;
    if (b.requireAuth) {
      const expected = 'Basic ' + Buffer.from(`${b.requireAuth.user}:${b.requireAuth.password}`).toString('base64');
      if (req.headers['proxy-authorization'] !== expected) {
        return {
          status: 407,
          headers: { 'Proxy-Authenticate': 'Basic realm="corp-proxy"' },
          body: proxyErrorPage(407, 'Cache access denied: authenticate first.'),
        };
      }
    }
    if (b.htmlError)
      return { status: b.htmlError.status, headers: {}, body: proxyErrorPage(b.htmlError.status, b.htmlError.message) };
    return undefined;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.record(req);
    const refused = this.refusal(req);
    if (refused) {
      res.writeHead(refused.status, { ...refused.headers, 'Content-Type': 'text/html', Via: PROXY_VIA });
      res.end(refused.body);
      req.resume();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/html', Via: PROXY_VIA });
      res.end(proxyErrorPage(400, 'Not a proxy request.'));
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: Number(target.port || 80),
        method: req.method,
        path: target.pathname + target.search,
        headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, via: PROXY_VIA });
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'Content-Type': 'text/html', Via: PROXY_VIA });
      res.end(proxyErrorPage(502, `Could not connect to ${target.host}.`));
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private tunnel(req: http.IncomingMessage, client: Socket, head: Buffer): void {
    this.record(req);
    client.on('error', () => undefined);
    const refused = this.refusal(req);
    if (refused) {
      const headers = Object.entries({ ...refused.headers, 'Content-Type': 'text/html', Via: PROXY_VIA })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      client.end(
        `HTTP/1.1 ${refused.status} ${http.STATUS_CODES[refused.status]}\r\n${headers}` +
          `Content-Length: ${Buffer.byteLength(refused.body)}\r\nConnection: close\r\n\r\n${refused.body}`,
      );
      return;
    }
    const port = Number((req.url ?? '').split(':').pop());
    let connected = false;
    const upstream = net.connect(port, '127.0.0.1', () => {
      connected = true;
      client.write(`HTTP/1.1 200 Connection Established\r\nVia: ${PROXY_VIA}\r\n\r\n`);
      if (head.length) this.keep(head);
      upstream.write(head);
      client.on('data', (chunk: Buffer) => this.keep(chunk));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    this.track(upstream);
    upstream.on('error', () => {
      if (connected || !client.writable) return void client.destroy();
      const body = proxyErrorPage(502, `Could not connect to ${req.url}.`);
      client.end(
        `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private keep(chunk: Buffer): void {
    // The first MiB per test is plenty to look for a key; profile uploads never go this way.
    if (this.tunnelled.reduce((n, b) => n + b.length, 0) < 1024 * 1024) this.tunnelled.push(Buffer.from(chunk));
  }
}
