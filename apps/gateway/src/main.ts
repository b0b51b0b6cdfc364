// The gateway's entry: parse config, build the service, run until SIGTERM/SIGINT, drain, exit.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { pino } from 'pino';
import { parseGatewayConfig, parseUpstreams, gatewayHelp } from './config.ts';
import { Gateway } from './gateway.ts';
import { createTokenVerifier, loadTokenVerifierOptions, type TokenVerifier } from './token.ts';

/** Runs the gateway; resolves with the process exit code (see GATEWAY_EXIT_CODES). */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(gatewayHelp());
    return 0;
  }
  const parsed = parseGatewayConfig(argv, env);
  if (!parsed.ok) {
    process.stderr.write(`stampyard-gateway: ${parsed.error}\n\n${parsed.help ?? ''}`);
    return 2;
  }
  const { config } = parsed;
  const logger = pino({ level: config.logLevel, base: { service: 'stampyard-gateway' } });

  let upstreams: ReadonlyMap<string, string> = new Map();
  let verifyToken: TokenVerifier | undefined;
  try {
    if (config.upstreamsFile) {
      const file = config.upstreamsFile;
      const text = await readFile(file, 'utf8').catch((error: Error) => {
        throw new Error(`--upstreams ${file}: cannot read it (${error.message}); pass a JSON file {"<stamp>": "http://host:port"}`);
      });
      const result = parseUpstreams(text, file);
      if (typeof result === 'string') throw new Error(result);
      upstreams = result;
    }
    if (config.identify.includes('token')) {
      const keys = await loadTokenVerifierOptions({ publicKeyFile: config.jwtPublicKeyFile, jwksFile: config.jwksFile }).catch((error: Error) => {
        throw new Error(`--jwt-public-key/--jwks: cannot read the key (${error.message}); pass a PEM public key or a JWKS JSON file`);
      });
      verifyToken = createTokenVerifier({
        ...keys,
        ...(config.jwtIssuer ? { issuer: config.jwtIssuer } : {}),
        ...(config.jwtAudience ? { audience: config.jwtAudience } : {}),
      });
    }
  } catch (error) {
    logger.fatal(`cannot start: ${(error as Error).message}`);
    return 1;
  }

  const readyFile = config.readyFile;
  const gateway = new Gateway({
    config,
    upstreams,
    logger,
    ...(verifyToken ? { verifyToken } : {}),
    onReady: (info) => {
      if (!readyFile) return;
      const temp = `${readyFile}.${process.pid}.tmp`;
      void writeFile(temp, `${JSON.stringify({ ...info, host: config.host, pid: process.pid })}\n`)
        .then(() => rename(temp, readyFile))
        .catch((error: unknown) => logger.error({ err: error, readyFile }, 'cannot write the ready file'));
    },
  });
  try {
    await gateway.start();
  } catch (error) {
    logger.fatal({ host: config.host, port: config.port }, `cannot start: cannot listen on ${config.host}:${config.port} (${(error as Error).message}); pick another --port`);
    return 1;
  }
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'signal received');
      void gateway.shutdown().then(() => resolve(0));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
