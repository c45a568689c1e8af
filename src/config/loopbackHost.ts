import { isIP } from 'node:net';

/**
 * Whether a host name or address is this machine's loopback: `localhost`, 127.0.0.0/8 or ::1
 * (brackets allowed, as in a URL's `hostname`). Traffic to it never leaves the machine, so a
 * credential sent there in plain HTTP crosses no network.
 *
 * @example
 * isLoopbackHost(new URL('http://[::1]:8000/v1').hostname); // true
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}
