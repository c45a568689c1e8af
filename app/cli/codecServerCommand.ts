import { startCodecServer } from '../../operator/codecServer/codecServer';
import type { CliContext } from './cliContext';
import { commandArgs } from './commandArgs';
import { UsageError } from './usageError';

export const codecServerUsage = `Usage: research-relay codec-server [options]

Serves Temporal's remote codec protocol (POST /encode, /decode) with the relay's payload
encryption keys, so an authorised operator can read encrypted histories in the Temporal UI
and CLI. Runs until Ctrl-C. Needs PAYLOAD_ENCRYPTION_KEYS (or _FILE) and CODEC_SERVER_TOKEN
(without a token only on a loopback host with CODEC_SERVER_ALLOW_NO_TOKEN=true).

  temporal workflow show -w <workflowId> \\
    --codec-endpoint http://127.0.0.1:8234 --codec-auth "Bearer $CODEC_SERVER_TOKEN"

Options:
  --port N      port to listen on (default CODEC_SERVER_PORT, 8234; 0 picks a free one)
  --host H      address to bind (default CODEC_SERVER_HOST, 127.0.0.1)
  -h, --help`;

export async function codecServerCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = commandArgs(args, { port: { type: 'string' }, host: { type: 'string' } }, codecServerUsage);
  if (values.help) {
    console.log(codecServerUsage);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`, codecServerUsage);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!/^\d+$/.test(values.port ?? '') || port > 65_535)) throw new UsageError(`--port must be 0-65535 (got "${values.port ?? ''}")`, codecServerUsage);
  if (values.host !== undefined && !/^[^\s/]+$/.test(values.host)) throw new UsageError(`--host must be a host name or IP address (got "${values.host}")`, codecServerUsage);
  const server = await startCodecServer({
    config: context.config,
    logger: context.logger,
    ...(port !== undefined ? { port } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  });
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const { codecServer, temporal } = context.config;
  if (values.json) console.log(JSON.stringify({ url: server.url, namespace: temporal.namespace, corsOrigins: codecServer.corsOrigins }));
  else console.log(`codec server for namespace ${temporal.namespace} listening on ${server.url} (Ctrl-C to stop)`);
  await stopped;
  await server.close();
  return 0;
}
