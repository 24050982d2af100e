import { gatewayPort, log } from '@coop/common';
import { startGateway } from './server';

startGateway(gatewayPort())
  .then((running) => {
    const stop = async (signal: string) => {
      log.info(`gateway stopping on ${signal}`, { service: 'gateway' });
      await running.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  })
  .catch((error: unknown) => {
    log.error('gateway failed to start', { service: 'gateway', error: String(error) });
    process.exit(1);
  });
