// First: with tracing on, http must be patched before anything loads it.
import { startTracing } from '@coop/common/tracing';
import { gatewayPort, log, startFailure } from '@coop/common';
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
    const { msg, error: reason } = startFailure(error, 'GATEWAY_PORT');
    log.error(`gateway: ${msg}`, { service: 'gateway', error: reason });
    process.exit(1);
  });
