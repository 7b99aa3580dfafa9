import { loadConfig, ConfigError } from './config.js';
import { createLogger } from './log.js';
import { startGateway } from './gateway.js';

/** Production entry point: `npm start`. Configuration comes from the environment (README). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      createLogger('info').fatal(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  if (config.tokens.length === 0) logger.warn('no ADMIN_TOKEN or API_TOKENS set: the REST API will refuse every request');
  const gateway = await startGateway({ config, logger });
  logger.info({ url: gateway.url, esl: `${config.esl.host}:${config.esl.port}` }, 'gateway listening');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // A close that never finishes (a client holding a request open, a stuck socket) must not
    // keep a stopped service alive: past the bound it exits anyway, and says so with its code.
    // Several instances: on SIGTERM hand the pages over first (they resume on another instance), then stop.
    const drainMs = signal === 'SIGTERM' ? config.scale.drainMs : 0;
    const bound = setTimeout(() => {
      logger.error({ timeoutMs: config.stopTimeoutMs }, 'stop did not finish in time; exiting anyway');
      process.exit(1);
    }, config.stopTimeoutMs + drainMs);
    const drained = drainMs > 0 ? new Promise((r) => setTimeout(r, drainMs)) : Promise.resolve();
    if (drainMs > 0) logger.info({ pages: gateway.drain.start(), drainMs }, 'draining');
    drained.then(() => gateway.stop()).then(
      () => {
        clearTimeout(bound);
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
