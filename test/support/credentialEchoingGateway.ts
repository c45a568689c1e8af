import fs from 'node:fs';
import http2 from 'node:http2';
import type net from 'node:net';
import type { TestCertificates } from './testCertificates';

/**
 * A TLS gRPC endpoint in the role of an auth gateway in front of Temporal that refuses every
 * call as UNAUTHENTICATED and — as some gateways do — quotes the credential it refused in its
 * error message: raw, JSON-quoted, URL-encoded and base64. Whatever the client then logs or
 * prints carries the caller's API key in each of those forms unless it is masked.
 */
export class CredentialEchoingGateway {
  /** The authorization headers the gateway received. */
  readonly received: string[] = [];
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  private constructor(private readonly server: http2.Http2SecureServer, readonly port: number) {}

  static async start(certificates: TestCertificates): Promise<CredentialEchoingGateway> {
    const server = http2.createSecureServer({
      key: fs.readFileSync(certificates.serverKeyFile),
      cert: fs.readFileSync(certificates.serverCertFile),
      ALPNProtocols: ['h2'],
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const gateway = new CredentialEchoingGateway(server, (server.address() as net.AddressInfo).port);
    server.on('session', (session) => {
      gateway.sessions.add(session);
      session.on('close', () => gateway.sessions.delete(session));
    });
    server.on('stream', (stream, headers) => {
      const authorization = String(headers.authorization ?? '');
      gateway.received.push(authorization);
      const key = authorization.replace(/^Bearer /, '');
      const message = `invalid API key ${key} (as JSON ${JSON.stringify({ key })}, URL-encoded ${encodeURIComponent(key)}, base64 ${Buffer.from(key).toString('base64')})`;
      stream.on('error', () => undefined);
      // A trailers-only gRPC response: status 16 UNAUTHENTICATED with the percent-encoded message.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': grpcMessage(message) }, { endStream: true });
    });
    return gateway;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** gRPC's grpc-message encoding: bytes outside printable ASCII, and `%`, percent-encoded. */
function grpcMessage(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}
