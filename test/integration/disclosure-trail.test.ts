import { randomUUID } from 'node:crypto';
import { query, sqlOf, testStack, tokenFor, type GraphQLResponse } from '../support/stack';

/**
 * The disclosure trail (decision 29): every answer that delivers a personal field leaves a
 * record in its owner's schema, under the request's id; a refused field leaves none; nobody
 * changes a record, not even the service's own database role.
 */

const PROVINCE = '18';

interface TrailRow {
  request_id: string;
  operation: string | null;
  subject: string | null;
  role: string | null;
  province_code: string | null;
  librarian_id: string;
  fields: string[];
}

async function ask<T>(
  text: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<{ requestId: string; body: GraphQLResponse<T> }> {
  const requestId = `trail-${randomUUID()}`;
  const response = await fetch(testStack().gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'x-request-id': requestId,
    },
    body: JSON.stringify({ query: text, variables }),
  });
  return { requestId, body: (await response.json()) as GraphQLResponse<T> };
}

function trail(service: 'library' | 'bpsdm-regional', requestId: string): Promise<TrailRow[]> {
  const schema = service === 'library' ? 'library' : 'bpsdm_regional';
  return sqlOf<TrailRow>(
    service,
    `SELECT request_id, operation, subject, role, province_code, librarian_id::text, fields
       FROM ${schema}.disclosure WHERE request_id = $1 ORDER BY librarian_id`,
    [requestId],
  );
}

const READ = `query TrailRead($id: ID!) { librarian(id: $id) { id nip name level } }`;

let librarianId: string;

beforeAll(async () => {
  const admin = await tokenFor('admin', undefined, { subject: `trail-setup-${randomUUID()}` });
  const data = await query<{ librarians: { edges: { node: { id: string } }[] } }>(
    `query ($p: String) { librarians(first: 1, filter: { provinceCode: $p }) { edges { node { id } } } }`,
    { p: PROVINCE },
    { token: admin },
  );
  librarianId = data.librarians.edges[0]!.node.id;
});

describe('reading a librarian’s NIP and name through the gateway', () => {
  it.each([
    ['regional-operator', PROVINCE],
    ['admin', null],
  ] as const)('as %s leaves exactly one record per answer', async (role, province) => {
    const subject = `trail-${role}-${randomUUID()}`;
    const token = await tokenFor(role, province ?? undefined, { subject });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      // The same question twice: a personal answer is never served from the cache unrecorded.
      const { requestId, body } = await ask<{ librarian: { nip: string } }>(
        READ,
        { id: librarianId },
        token,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.librarian.nip).toMatch(/^\d{18}$/);
      expect(await trail('library', requestId)).toEqual([
        {
          request_id: requestId,
          operation: 'TrailRead',
          subject,
          role,
          province_code: province,
          librarian_id: librarianId,
          fields: ['Librarian.name', 'Librarian.nip'],
        },
      ]);
    }
  });

  it('as an analyst, refused the fields, leaves none', async () => {
    const token = await tokenFor('analyst', undefined, {
      subject: `trail-analyst-${randomUUID()}`,
    });
    const { requestId, body } = await ask(READ, { id: librarianId }, token);
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(await trail('library', requestId)).toEqual([]);
  });

  it('as an operator of another province, refused by the owner, leaves none', async () => {
    const token = await tokenFor('regional-operator', '19', {
      subject: `trail-other-${randomUUID()}`,
    });
    const { requestId, body } = await ask(READ, { id: librarianId }, token);
    expect(body.errors?.length).toBe(2);
    expect(await trail('library', requestId)).toEqual([]);
  });
});

describe('each owner keeps its own trail', () => {
  it('a run’s participants read across owners are recorded by each owner', async () => {
    const subject = `trail-cross-${randomUUID()}`;
    const token = await tokenFor('admin', undefined, { subject });
    const { requestId, body } = await ask<{
      librarian: { enrolments: { status: string }[]; certifications: { result: string }[] };
    }>(
      `query TrailHistory($id: ID!) { librarian(id: $id) {
         nip enrolments { status } certifications { result } } }`,
      { id: librarianId },
      token,
    );
    expect(body.errors).toBeUndefined();
    const library = await trail('library', requestId);
    expect(library).toHaveLength(1);
    expect(library[0]!.fields).toContain('Librarian.nip');
    expect(library[0]!.fields).toContain('Librarian.certifications');
    const regional = await trail('bpsdm-regional', requestId);
    expect(regional).toHaveLength(1);
    expect(regional[0]).toMatchObject({
      operation: 'TrailHistory',
      subject,
      role: 'admin',
      librarian_id: librarianId,
    });
    expect(regional[0]!.fields).toContain('Librarian.enrolments');
    if (body.data!.librarian.enrolments.length) {
      expect(regional[0]!.fields).toContain('Enrolment.status');
    }
  });
});

describe('the trail is append-only in the database', () => {
  it.each([
    `UPDATE library.disclosure SET role = 'nobody'`,
    `DELETE FROM library.disclosure`,
    `TRUNCATE library.disclosure`,
    `UPDATE bpsdm_regional.disclosure SET role = 'nobody'`,
    `DELETE FROM bpsdm_central.disclosure`,
  ])('%s fails', async (statement) => {
    const service = statement.includes('bpsdm_regional')
      ? 'bpsdm-regional'
      : statement.includes('bpsdm_central')
        ? 'bpsdm-central'
        : 'library';
    await expect(sqlOf(service, statement)).rejects.toThrow(/append-only/);
  });
});
