import fs from 'node:fs';
import { authConfig } from '@coop/common';
import { generateKeyPair, SignJWT } from 'jose';
import { Client } from 'pg';
import { graphql, send, testStack, tokenFor, type GraphQLResponse } from '../support/stack';

async function librarianOf(provinceCode: string): Promise<string> {
  const client = new Client({ connectionString: testStack().databaseUrls.library });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT l.id FROM library.librarian l
        WHERE l.province_code = $1
          AND EXISTS (SELECT 1 FROM library.certification c WHERE c.librarian_id = l.id)
        ORDER BY l.id LIMIT 1`,
      [provinceCode],
    );
    return rows[0].id as string;
  } finally {
    await client.end();
  }
}

const codes = (result: GraphQLResponse<unknown>) =>
  (result.errors ?? []).map((error) => error.extensions?.code);

const subgraph = (name: 'library' | 'bpsdm-central' | 'bpsdm-regional') =>
  `${testStack().subgraphUrls[name]}/graphql`;

const PERSONAL = `query ($id: ID!) { librarian(id: $id) { level name nip certifications { status } } }`;

describe('access control', () => {
  let west: string; // a librarian of Jawa Barat (32)
  let jakarta: string; // a librarian of DKI Jakarta (31)
  let operator32: string;
  beforeAll(async () => {
    west = await librarianOf('32');
    jakarta = await librarianOf('31');
    operator32 = await tokenFor('regional-operator', '32');
  });

  describe('anonymous partner developers', () => {
    it('read the public catalogue and verify certificates without a token', async () => {
      const result = await graphql(`
        {
          agreements(first: 2) {
            totalCount
          }
          trainingPrograms(first: 2) {
            totalCount
          }
          regionalOffices {
            name
          }
          certificationSchemes {
            name
          }
          facilities {
            name
          }
          programRuns(first: 3) {
            edges {
              node {
                batchLabel
                enrolmentCount
              }
            }
          }
          verifyCertificate(number: "nope") {
            valid
          }
        }
      `);
      expect(result.errors).toBeUndefined();
      expect(result.data).toMatchObject({ verifyCertificate: { valid: false } });
    });

    it('get UNAUTHENTICATED, field by field, for aggregates, people and participants', async () => {
      const result = await graphql<{
        regionalOffice: { name: string; trainingStats: null; librarianStats: null };
        librarians: null;
        programRuns: { edges: { node: { enrolmentCount: number; enrolments: null } }[] };
      }>(`
        {
          regionalOffice(provinceCode: "32") {
            name
            trainingStats {
              runs
            }
            librarianStats {
              librarians
            }
          }
          librarians {
            totalCount
          }
          programRuns(first: 2) {
            edges {
              node {
                enrolmentCount
                enrolments {
                  totalCount
                }
              }
            }
          }
        }
      `);
      expect(result.data?.regionalOffice).toEqual({
        name: 'BPSDM Provinsi Jawa Barat',
        trainingStats: null,
        librarianStats: null,
      });
      expect(result.data?.librarians).toBeNull();
      for (const edge of result.data!.programRuns.edges) {
        expect(edge.node.enrolments).toBeNull();
        expect(typeof edge.node.enrolmentCount).toBe('number');
      }
      expect(new Set(codes(result))).toEqual(new Set(['UNAUTHENTICATED']));
      expect(result.errors).toHaveLength(5);
    });
  });

  describe('analysts (dashboards)', () => {
    it('read every aggregate but no personal field', async () => {
      const token = await tokenFor('analyst');
      const dashboard = await graphql(
        `
          {
            regionalOffices {
              trainingStats(year: 2025) {
                runs
              }
              librarianStats {
                librarians
                certified
              }
            }
          }
        `,
        {},
        { token },
      );
      expect(dashboard.errors).toBeUndefined();
      const person = await graphql<{ librarian: Record<string, unknown> }>(
        PERSONAL,
        { id: west },
        { token },
      );
      expect(person.data?.librarian).toMatchObject({ name: null, nip: null, certifications: null });
      expect(person.data?.librarian.level).toEqual(expect.any(String));
      expect(codes(person)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    });
  });

  describe('a regional operator of Jawa Barat (32)', () => {
    it('reads the personal data of its own province', async () => {
      const result = await graphql<{ librarian: { name: string; nip: string } }>(
        PERSONAL,
        { id: west },
        { token: operator32 },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?.librarian.nip).toMatch(/^\d{18}$/);
    });

    it("gets FORBIDDEN for every personal field of DKI Jakarta's librarians, however asked", async () => {
      const result = await graphql<{
        direct: Record<string, unknown>;
        aliased: Record<string, unknown>;
        list: { edges: { node: { who: null } }[] };
      }>(
        `
          query ($id: ID!) {
            direct: librarian(id: $id) {
              level
              name
              nip
              certifications {
                status
              }
            }
            aliased: librarian(id: $id) {
              ...Person
            }
            list: librarians(filter: { provinceCode: "31" }, first: 5) {
              edges {
                node {
                  who: name
                }
              }
            }
          }
          fragment Person on Librarian {
            secret: nip
            alsoName: name
            ... on Librarian {
              name
            }
          }
        `,
        { id: jakarta },
        { token: operator32 },
      );
      expect(result.data?.direct).toMatchObject({ name: null, nip: null, certifications: null });
      expect(result.data?.aliased).toEqual({ secret: null, alsoName: null, name: null });
      expect(result.data?.list.edges).toHaveLength(5);
      for (const edge of result.data!.list.edges) expect(edge.node.who).toBeNull();
      expect(new Set(codes(result))).toEqual(new Set(['FORBIDDEN']));
      expect(result.errors!.length).toBeGreaterThanOrEqual(3 + 2 + 5);
    });

    it('is told the province is the reason, never its role', async () => {
      const result = await graphql(PERSONAL, { id: jakarta }, { token: operator32 });
      const messages = new Set((result.errors ?? []).map((error) => error.message));
      expect(messages).toEqual(
        new Set(
          ['Librarian.name', 'Librarian.nip', 'Librarian.certifications'].map(
            (coordinate) =>
              `${coordinate} is personal data of another province: a regional operator reads only its own province's, 32 (Jawa Barat)`,
          ),
        ),
      );
      const analyst = await graphql(PERSONAL, { id: west }, { token: await tokenFor('analyst') });
      expect((analyst.errors ?? []).map((error) => error.message)).toContain(
        'Librarian.name is readable by admins, regional operators and librarians only; your role is analyst',
      );
    });

    it("cannot read the participants of another office's runs", async () => {
      const result = await graphql<{
        programRuns: { edges: { node: { enrolments: null } }[] };
      }>(
        `
          {
            programRuns(first: 3, filter: { provinceCode: "31" }) {
              edges {
                node {
                  enrolments {
                    edges {
                      node {
                        finalScore
                        participant {
                          id
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        `,
        {},
        { token: operator32 },
      );
      expect(result.data?.programRuns.edges.length).toBeGreaterThan(0);
      for (const edge of result.data!.programRuns.edges) expect(edge.node.enrolments).toBeNull();
      expect(new Set(codes(result))).toEqual(new Set(['FORBIDDEN']));
    });

    it('gains nothing by calling the subgraphs directly with forged representations', async () => {
      const library = await graphql<{ _entities: { name: null; nip: null }[] }>(
        `
          query ($r: [_Any!]!) {
            _entities(representations: $r) {
              ... on Librarian {
                name
                nip
              }
            }
          }
        `,
        { r: [{ __typename: 'Librarian', id: jakarta, provinceCode: '32' }] },
        { url: subgraph('library'), token: operator32 },
      );
      expect(library.data?._entities).toEqual([{ name: null, nip: null }]);
      expect(codes(library)).toEqual(['FORBIDDEN', 'FORBIDDEN']);

      const regional = await graphql<{
        _entities: {
          enrolments: { run: { office: { provinceCode: string } } }[];
          lessonHoursCompleted: null;
        }[];
      }>(
        `
          query ($r: [_Any!]!) {
            _entities(representations: $r) {
              ... on Librarian {
                enrolments {
                  finalScore
                  run {
                    office {
                      provinceCode
                    }
                  }
                }
                lessonHoursCompleted
              }
            }
          }
        `,
        { r: [{ __typename: 'Librarian', id: jakarta, provinceCode: '32' }] },
        { url: subgraph('bpsdm-regional'), token: operator32 },
      );
      const [entity] = regional.data!._entities;
      for (const enrolment of entity!.enrolments) {
        expect(enrolment.run.office.provinceCode).toBe('32');
      }
      expect(entity!.lessonHoursCompleted).toBeNull();
      expect(codes(regional)).toEqual(['FORBIDDEN']);
    });
  });

  it('admins read everything', async () => {
    const result = await graphql<{ librarian: { name: string } }>(
      PERSONAL,
      { id: jakarta },
      {
        token: await tokenFor('admin'),
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.librarian.name).toEqual(expect.any(String));
  });

  describe('bad tokens are refused everywhere', () => {
    const targets = () => [
      testStack().gatewayUrl,
      subgraph('library'),
      subgraph('bpsdm-central'),
      subgraph('bpsdm-regional'),
    ];

    async function expectRefused(token: string, message: RegExp) {
      for (const url of targets()) {
        const { status, body } = await send('{ __typename }', {}, { url, token });
        expect({ url, status }).toEqual({ url, status: 401 });
        expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(body.errors?.[0]?.message).toMatch(message);
      }
    }

    it('an expired token', async () => {
      const expired = await tokenFor('admin', undefined, {
        expiresIn: Math.floor(Date.now() / 1000) - 60,
      });
      await expectRefused(expired, /expired/);
    });

    it('a tampered token (an analyst made admin)', async () => {
      const analyst = await tokenFor('analyst');
      const [header, payload, signature] = analyst.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      claims.roles = ['admin'];
      const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
      await expectRefused(`${header}.${forged}.${signature}`, /signature/);
    });

    it('a token signed with another key', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const config = authConfig();
      const foreign = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(config.issuer)
        .setAudience(config.audience)
        .setExpirationTime('1h')
        .sign(privateKey);
      await expectRefused(foreign, /signature/);
    });

    it('a token for another audience', async () => {
      const config = { ...authConfig(), audience: 'another-api', devKeyDir: testStack().devKeyDir };
      const { signDevToken } = await import('@coop/common');
      await expectRefused(await signDevToken({ role: 'admin' }, config), /not for this graph/);
    });
  });

  it('never writes a token to the logs', async () => {
    const log = fs.readFileSync(testStack().logFile, 'utf8');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
