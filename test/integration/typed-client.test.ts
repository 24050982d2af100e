import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PKS_ID } from '@coop/common';
import { ROOT } from '../../scripts/lib/processes';
import { testStack } from '../support/stack';

const run = promisify(execFile);

interface AgreementData {
  agreement: { title: string } | null;
}
const EXAMPLE = path.join(ROOT, 'examples', 'typed-client');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

/**
 * A partner's typed client: GraphQL Code Generator over the live /schema.graphql (saved to a
 * file, then generated offline), the example type-checked against it, then run.
 */
describe('the typed-client example', () => {
  it('generates types from the live schema, type-checks, and answers', async () => {
    const origin = new URL(testStack().gatewayUrl).origin;
    const schemaFile = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'coop-schema-')),
      's.graphql',
    );
    fs.writeFileSync(schemaFile, await (await fetch(`${origin}/schema.graphql`)).text());

    await run(bin('graphql-codegen'), ['--config', path.join(EXAMPLE, 'codegen.ts')], {
      cwd: ROOT,
      env: { ...process.env, SCHEMA: schemaFile },
    });
    const generated = fs.readFileSync(path.join(EXAMPLE, 'generated', 'graphql.ts'), 'utf8');
    expect(generated).toMatch(/export type AgreementQuery = /);
    await run(bin('tsc'), ['-p', EXAMPLE], { cwd: ROOT }).catch((error: { stdout?: string }) => {
      throw new Error(`The example does not type-check:\n${error.stdout ?? String(error)}`);
    });

    // By path: the root project's type-check must not need the generated file.
    const client = (await import(path.join(EXAMPLE, 'client'))) as {
      fetchAgreement: (url: string, variables: { id: string }) => Promise<AgreementData>;
      enrolmentsByOffice: (data: AgreementData) => Map<string, number>;
    };
    const data = await client.fetchAgreement(testStack().gatewayUrl, { id: PKS_ID });
    expect(data.agreement?.title).toBeTruthy();
    expect(client.enrolmentsByOffice(data).size).toBeGreaterThan(0);
  }, 120_000);
});
