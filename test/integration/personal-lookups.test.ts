import { randomUUID } from 'node:crypto';
import { graphql, query, send, subgraphGraphqlUrls, tokenFor } from '../support/stack';

/**
 * Lookups by a personal identifier or a certificate number (decision 13): `librarianByNip`
 * answers only those who may read that librarian and is no oracle for anybody else, comes one
 * per operation and a bounded number per caller; `verifyCertificate` shows a name only as an
 * initial and a fixed mask, and a sweep of numbers runs into the caller's budget. Every caller
 * here has a subject of its own, so its budget is its own.
 */

const PROVINCE = '32';
const OTHER = '33';
const NIP_LOOKUPS_PER_HOUR = 60;
const CERTIFICATE_CHECKS_PER_HOUR = 300;

const own = (role: Parameters<typeof tokenFor>[0], province?: string) =>
  tokenFor(role, province, { subject: `lookups-${randomUUID()}` });

let admin: string;
let existing: { nip: string; name: string };
let certificates: { number: string; holder: { name: string } }[];

beforeAll(async () => {
  admin = await own('admin');
  const data = await query<{
    librarians: {
      edges: {
        node: {
          nip: string;
          name: string;
          certifications: { number: string; result: string }[];
        };
      }[];
    };
  }>(
    `query ($p: String) { librarians(first: 50, filter: { provinceCode: $p }) {
       edges { node { nip name certifications { number result } } } } }`,
    { p: PROVINCE },
    { token: admin },
  );
  existing = data.librarians.edges[0]!.node;
  certificates = data.librarians.edges.flatMap(({ node }) =>
    node.certifications
      .filter((c) => c.result === 'COMPETENT')
      .map((c) => ({ number: c.number, holder: { name: node.name } })),
  );
  expect(certificates.length).toBeGreaterThan(1);
});

const BY_NIP = `query ($nip: String!) { librarianByNip(nip: $nip) { id nip name } }`;
/** A NIP nobody has, valid as the real ones (the seed's librarians are born 1965 or later). */
const MISSING_NIP = '195503151980031999';

describe('librarianByNip', () => {
  it('answers admins and the operator of the librarian’s province', async () => {
    expect(
      (await query(BY_NIP, { nip: existing.nip }, { token: admin })).librarianByNip,
    ).toMatchObject({ nip: existing.nip, name: existing.name });
    expect((await query(BY_NIP, { nip: MISSING_NIP }, { token: admin })).librarianByNip).toBeNull();
    const operator = await own('regional-operator', PROVINCE);
    expect(
      (await query(BY_NIP, { nip: existing.nip }, { token: operator })).librarianByNip,
    ).toMatchObject({ nip: existing.nip });
  });

  it('refuses everybody else alike, whether the NIP exists or not', async () => {
    for (const token of [await own('analyst'), await own('regional-operator', OTHER), undefined]) {
      const [found, missing] = await Promise.all(
        [existing.nip, MISSING_NIP].map((nip) => graphql(BY_NIP, { nip }, { token })),
      );
      expect(found!.data).toEqual({ librarianByNip: null });
      expect(found).toEqual(missing);
      expect(found!.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|UNAUTHENTICATED/);
    }
  });

  it('refuses a NIP that cannot exist with 400 before any subgraph resolves it, charged as any lookup', async () => {
    // Month 13 of appointment (decision 28): no librarian can have it, whoever asks.
    const impossible = '199001012015131001';
    const refusal = {
      message:
        'nip: digits 9–14 are the appointment as CPNS (TMT CPNS, YYYYMM): month 13 is not 01–12',
      extensions: { code: 'BAD_USER_INPUT', field: 'nip' },
    };
    const operator = await own('regional-operator', PROVINCE);
    for (const token of [admin, operator, await own('analyst'), undefined]) {
      const { status, body } = await send(BY_NIP, { nip: impossible }, { token });
      expect([status, body.data ?? null]).toEqual([400, null]);
      expect(body.errors?.[0]).toMatchObject(refusal);
    }
    // The library refuses it too, before its resolver (and so any SQL) runs.
    const direct = await send(
      BY_NIP,
      { nip: impossible },
      { token: admin, url: subgraphGraphqlUrls().library },
    );
    expect(direct.status).toBe(400);
    expect(direct.body.errors?.[0]).toMatchObject(refusal);
    // Each is charged to the caller's budget all the same, as every librarianByNip asked.
    const caller = await own('regional-operator', PROVINCE);
    for (let i = 0; i < NIP_LOOKUPS_PER_HOUR; i++) {
      expect((await send(BY_NIP, { nip: impossible }, { token: caller })).status).toBe(400);
    }
    expect((await send(BY_NIP, { nip: existing.nip }, { token: caller })).status).toBe(429);
  });

  it('comes once per operation: an aliased batch is refused, however written', async () => {
    const token = await own('regional-operator', PROVINCE);
    for (const text of [
      `{ a: librarianByNip(nip: "${existing.nip}") { id } b: librarianByNip(nip: "${MISSING_NIP}") { id } }`,
      `{ a: librarianByNip(nip: "${existing.nip}") { id } ...F } fragment F on Query { b: librarianByNip(nip: "${MISSING_NIP}") { id } }`,
    ]) {
      const { status, body } = await send(text, {}, { token });
      expect(status).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toMatch(/once per operation/);
    }
  });

  it('is bounded per caller and hour', async () => {
    const token = await own('regional-operator', PROVINCE);
    for (let i = 0; i < NIP_LOOKUPS_PER_HOUR; i++) {
      const nip = `1955031519800319${String(i).padStart(2, '0')}`;
      expect((await send(BY_NIP, { nip }, { token })).status).toBe(200);
    }
    const over = await send(BY_NIP, { nip: existing.nip }, { token });
    expect(over.status).toBe(429);
    expect(over.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Another caller's budget is its own.
    const other = await own('regional-operator', PROVINCE);
    expect((await send(BY_NIP, { nip: existing.nip }, { token: other })).status).toBe(200);
  });
});

describe('verifyCertificate', () => {
  const VERIFY = `query ($n: String!) { verifyCertificate(number: $n) { valid status holderName } }`;

  it('masks the holder’s name to its initial and a mask of fixed length', async () => {
    const token = await own('analyst');
    const masks = new Set<number>();
    for (const certificate of certificates.slice(0, 10)) {
      const { verifyCertificate } = await query<{ verifyCertificate: { holderName: string } }>(
        VERIFY,
        { n: certificate.number },
        { token },
      );
      expect(verifyCertificate.holderName).toBe(
        `${certificate.holder.name.trim()[0]!.toUpperCase()}*****`,
      );
      masks.add(verifyCertificate.holderName.length);
    }
    expect([...masks]).toEqual([6]);
  });

  it('a sweep of numbers runs into the caller’s budget', async () => {
    const token = await own('analyst');
    const [prefix, serial] = /^(.*?)(\d+)$/.exec(certificates[0]!.number)!.slice(1) as [
      string,
      string,
    ];
    // Twenty aliased checks an operation (the most root fields allowed), sequential numbers, as a harvester would.
    let checked = 0;
    let refused: Awaited<ReturnType<typeof send>> | undefined;
    for (let batch = 0; !refused && batch < 30; batch++) {
      const aliases = Array.from({ length: 20 }, (_, i) => {
        const n = `${prefix}${String(Number(serial) + batch * 20 + i).padStart(serial.length, '0')}`;
        return `c${i}: verifyCertificate(number: "${n}") { valid holderName }`;
      });
      const result = await send(`{ ${aliases.join('\n')} }`, {}, { token });
      if (result.status === 200) checked += 20;
      else refused = result;
    }
    expect(checked).toBe(CERTIFICATE_CHECKS_PER_HOUR);
    expect(refused?.status).toBe(429);
    expect(refused?.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});
