// First: with tracing on, http must be patched before anything loads it.
import { startTracing } from '@coop/common/tracing';
import { gatewayPort, log } from '@coop/common';
import { startGateway } from './server';

startTracing('gateway');

startGateway(gatewayPort())
  .then((running) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`gateway stopping on ${signal}`, { service: 'gateway' });
      await running.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  })
  .catch((error: unknown) => {
    log.error('gateway failed to start', { service: 'gateway', error: String(error) });
    process.exit(1);
  });
