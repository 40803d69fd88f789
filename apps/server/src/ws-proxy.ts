// WebSocket upgrades through the distributed gateway: `/realtime` is piped, bytes both ways, to a backend's realtime gateway.
import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@millrace/platform';
import type { Backend } from './backends.ts';

/**
 * Forwards WebSocket upgrades on `path` to `backend` (its realtime gateway authenticates and authorizes the
 * connection itself), through the backend's breaker state: an open breaker answers 503 at once.
 * @example proxyUpgrades(app.server, '/realtime', backends.get('identity')!, log)
 */
export function proxyUpgrades(server: Server, path: string, backend: Backend, log?: Logger): void {
  const target = new URL(backend.url);
  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname !== path) return refuse(client, 404, 'Not Found');
    if (backend.state() === 'open') return refuse(client, 503, 'Service Unavailable');
    const upstream = connect({ host: target.hostname, port: Number(target.port || 80) });
    const fail = (err: Error) => {
      log?.warn({ err, backend: backend.name }, 'websocket proxy: backend connection failed');
      refuse(client, 503, 'Service Unavailable');
      upstream.destroy();
    };
    upstream.once('error', fail);
    upstream.once('connect', () => {
      upstream.off('error', fail);
      const forwardedFor = req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${req.socket.remoteAddress}` : req.socket.remoteAddress ?? '';
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        if (/^(x-forwarded-for|host)$/i.test(name)) continue;
        lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
      }
      lines.push(`host: ${target.host}`, `x-forwarded-for: ${forwardedFor}`, `x-forwarded-host: ${req.headers.host ?? ''}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
      const close = () => {
        upstream.destroy();
        client.destroy();
      };
      upstream.on('error', close);
      client.on('error', close);
      upstream.on('close', close);
      client.on('close', close);
    });
  });
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}
