import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** kafkajs's keep-alive delay on its sockets, ms (as its own factory sets it). */
const keepAliveDelayMs = 60_000;

/**
 * kafkajs's own socket factory (TLS when configured, keep-alive) with Nagle's algorithm off:
 * kafkajs leaves it on, so a small request written while an earlier one on the same connection
 * is not yet acknowledged (a fetch right behind a commit or a heart-beat) waits for that
 * acknowledgement. The broker's sockets and gRPC's have it off already.
 */
export const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect) : net.connect({ host, port }, onConnect);
  socket.setKeepAlive(true, keepAliveDelayMs);
  socket.setNoDelay(true);
  return socket;
};
