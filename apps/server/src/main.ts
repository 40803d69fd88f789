// Entry point of `npm start`: loads configuration, opens the runtime, serves HTTP, shuts down gracefully on SIGTERM.
import { createLogger, createRuntime, loadConfig, MillraceError } from '@millrace/platform';
import { buildServer } from './server.ts';

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
  const rt = await createRuntime(config, { log });
  await rt.bus.start();
  const app = await buildServer(rt, { env: process.env });
  await app.listen({ port: config.port, host: config.host });
  log.info(
    { mode: config.mode, driver: rt.bus.driver, url: `http://${config.host}:${config.port}/`, startupMs: Math.round(performance.now() - started) },
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
    await rt.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  const msg = err instanceof MillraceError ? `${err.code}: ${err.message}` : (err as Error).stack ?? String(err);
  process.stderr.write(`Millrace failed to start: ${msg}\n`);
  process.exit(1);
});
