// The gateway's entry: parse config, build the service (or, with --workers, a primary and its
// workers), run until SIGTERM/SIGINT, drain, exit.
import cluster from 'node:cluster';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { pino } from 'pino';
import { parseGatewayConfig, parseUpstreams, gatewayHelp } from './config.ts';
import { Gateway } from './gateway.ts';
import { runPrimary, type PrimaryMessage, type WorkerMessage } from './primary.ts';
import { createTokenVerifier, loadTokenVerifierOptions, type TokenVerifier } from './token.ts';

/** Runs the gateway; resolves with the process exit code (see GATEWAY_EXIT_CODES). */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const code = await run(argv, env);
  // A worker's IPC channel would keep it alive after it is done (or could not start).
  if (cluster.isWorker) cluster.worker?.disconnect();
  return code;
}

async function run(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
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
  const worker = config.workers > 1 && cluster.isWorker ? cluster.worker : undefined;
  const logger = pino({ level: config.logLevel, base: { service: 'stampyard-gateway', ...(worker ? { worker: worker.id } : {}) } });
  const readyFile = config.readyFile;
  const writeReadyFile = (info: object): void => {
    if (!readyFile) return;
    const temp = `${readyFile}.${process.pid}.tmp`;
    void writeFile(temp, `${JSON.stringify({ ...info, host: config.host, pid: process.pid })}\n`)
      .then(() => rename(temp, readyFile))
      .catch((error: unknown) => logger.error({ err: error, readyFile }, 'cannot write the ready file'));
  };
  if (config.workers > 1 && cluster.isPrimary) {
    try {
      return await runPrimary({ config, logger, onReady: writeReadyFile });
    } catch (error) {
      logger.fatal(
        { host: config.host, adminPort: config.adminPort },
        `cannot start: cannot listen on ${config.host}:${config.adminPort} (${(error as Error).message}); pick another --admin-port`,
      );
      return 1;
    }
  }

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
      const keys = await loadTokenVerifierOptions({ publicKeyFile: config.jwtPublicKeyFile, jwksFile: config.jwksFile }).catch(
        (error: Error) => {
          throw new Error(`--jwt-public-key/--jwks: cannot read the key (${error.message}); pass a PEM public key or a JWKS JSON file`);
        },
      );
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

  const gateway = new Gateway({
    config,
    upstreams,
    logger,
    ...(verifyToken ? { verifyToken } : {}),
    ...(worker ? { serveAdminPort: false } : {}),
    onReady: (info) => {
      if (worker) process.send?.({ type: 'stampyard-ready', port: info.port, revision: info.revision } satisfies WorkerMessage);
      else writeReadyFile(info);
    },
  });
  if (worker) {
    gateway.metrics.registry.setDefaultLabels({ worker: String(worker.id) });
    process.on('message', (message: PrimaryMessage) => {
      if (message.type !== 'stampyard-metrics') return;
      void gateway.metrics.registry
        .getMetricsAsJSON()
        .then((metrics) => process.send?.({ type: 'stampyard-metrics', id: message.id, metrics } satisfies WorkerMessage));
    });
  }
  try {
    await gateway.start();
  } catch (error) {
    logger.fatal(
      { host: config.host, port: config.port },
      `cannot start: cannot listen on ${config.host}:${config.port} (${(error as Error).message}); pick another --port`,
    );
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
