import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { TestCertificates } from './testCertificates';

/** One TLS connection the proxy accepted: the client certificate's common name. */
export interface AcceptedConnection {
  readonly clientCommonName: string;
  readonly alpnProtocol: string | false | null;
}

/**
 * A TLS-terminating proxy in front of a real plaintext server (the shared Kafka or Temporal):
 * it demands a client certificate signed by the test CA (mutual TLS), forwards the decrypted
 * bytes, and records which connections it accepted and which handshakes it refused — what a
 * test asserts on to prove the code under test spoke TLS with the right identity.
 */
export class TlsProxy {
  readonly accepted: AcceptedConnection[] = [];
  readonly refused: string[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: tls.Server, readonly port: number) {}

  /** `alpn: ['h2']` for gRPC (Temporal); none for Kafka's own protocol. */
  static async start(target: { host: string; port: number }, certificates: TestCertificates, alpn?: string[]): Promise<TlsProxy> {
    const server = tls.createServer({
      key: fs.readFileSync(certificates.serverKeyFile),
      cert: fs.readFileSync(certificates.serverCertFile),
      ca: fs.readFileSync(certificates.caFile),
      requestCert: true,
      rejectUnauthorized: true,
      ...(alpn ? { ALPNProtocols: alpn } : {}),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TlsProxy(server, (server.address() as net.AddressInfo).port);
    server.on('secureConnection', (client) => proxy.forward(client, target));
    server.on('tlsClientError', (error) => proxy.refused.push(error.message));
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private forward(client: tls.TLSSocket, target: { host: string; port: number }): void {
    const subject = client.getPeerCertificate().subject as { CN?: string } | undefined;
    this.accepted.push({ clientCommonName: subject?.CN ?? '', alpnProtocol: client.alpnProtocol });
    const upstream = net.connect(target);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
