/** The production entry: the only place (besides scripts/) that reads the environment and listens. */
import { EmbeddedStartError } from '../db/embedded';
import { SchemaTooNewError } from '../db/migrate';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { onShutdownSignal, startServer } from './main';

try {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { format: config.logFormat });
  const server = await startServer(config, log);
  log.info({ url: server.url }, 'Sinergi server listening');
  onShutdownSignal(log, server.close);
} catch (e) {
  console.error(e instanceof ConfigError || e instanceof EmbeddedStartError || e instanceof SchemaTooNewError ? e.message : e);
  process.exit(1);
}
