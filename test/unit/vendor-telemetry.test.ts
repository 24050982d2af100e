import * as apolloTelemetry from '@apollo/gateway/dist/utilities/opentelemetry';
import { startGateway } from '../../gateway/server';
import { freePort } from '../../scripts/lib/processes';

/**
 * @apollo/gateway starts an exporter of usage metrics to Apollo's servers unless
 * APOLLO_TELEMETRY_DISABLED is set: ours must not, unless an operator asks for it.
 */
const nowhere = {
  library: 'http://127.0.0.1:9/graphql',
  'bpsdm-central': 'http://127.0.0.1:9/graphql',
  'bpsdm-regional': 'http://127.0.0.1:9/graphql',
};

async function exporterStarted(setting: string | undefined): Promise<boolean> {
  if (setting === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
  else process.env.APOLLO_TELEMETRY_DISABLED = setting;
  const exporter = jest
    .spyOn(apolloTelemetry, 'createDataCollectionExporter')
    .mockImplementation(() => ({ shutdown: async () => {} }) as never);
  const gateway = await startGateway(await freePort(), nowhere);
  await gateway.stop();
  const started = exporter.mock.calls.length > 0;
  exporter.mockRestore();
  return started;
}

describe("Apollo's usage reporting", () => {
  it('is off by default', async () => {
    expect(await exporterStarted(undefined)).toBe(false);
  });

  it('starts only when an operator turns it on', async () => {
    expect(await exporterStarted('false')).toBe(true);
  });
});
