// Entry point of `npm start`: loads configuration, opens the runtime (or the gateway), serves HTTP, shuts down gracefully on SIGTERM.
import { createLogger, createRuntime, loadConfig, MillraceError, type Config, type Logger } from '@millrace/platform';
import { buildGateway } from './gateway.ts';
import { buildServer, CONTRACTS } from './server.ts';

async function main(): Promise<void> {
  const started = performance.now();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const log = createLogger({ level: config.logLevel, name: 'millrace' });
  const { app, close, driver } = await open(config, log);
  await app.listen({ port: config.port, host: config.host });
  log.info(
    { mode: config.mode, role: config.role, service: config.service, driver, url: `http://${config.host}:${config.port}/`, startupMs: Math.round(performance.now() - started) },
    'Millrace ready',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new work, finishing in-flight work');
    const force = setTimeout(() => {
      log.error('shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    await app.close();
    await close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** The gateway holds no database or event log; every other role opens the runtime. */
async function open(config: Config, log: Logger) {
  if (config.gatewayBackends) {
    const app = await buildGateway({ backends: config.gatewayBackends, env: process.env, log });
    return { app, close: async () => {}, driver: undefined };
  }
  const rt = await createRuntime(config, { log, contracts: CONTRACTS });
  await rt.bus.start();
  const app = await buildServer(rt, { env: process.env, ...(config.service ? { only: config.service } : {}) });
  return { app, close: () => rt.close(), driver: rt.bus.driver };
}

main().catch((err: unknown) => {
  const msg = err instanceof MillraceError ? `${err.code}: ${err.message}` : (err as Error).stack ?? String(err);
  process.stderr.write(`Millrace failed to start: ${msg}\n`);
  process.exit(1);
});
