import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { parse } from 'graphql';
import {
  accessDeclarations,
  authConfig,
  createTokenVerifier,
  ensureDevKeys,
  fieldRefusal,
  NOT_OWN_RECORD,
  signDevToken,
  type AccessRule,
  type PolicyEvaluators,
  type Viewer,
} from '@coop/common';
import { importPKCS8, SignJWT } from 'jose';
import { policies as libraryPolicies } from '../../services/library/policies';
import { policies as regionalPolicies } from '../../services/bpsdm-regional/policies';
import { policies as centralPolicies } from '../../services/bpsdm-central/policies';

describe('a librarian token names the librarian it is (decision 30)', () => {
  const config = { ...authConfig(), devKeyDir: fs.mkdtempSync(path.join(os.tmpdir(), 'keys-')) };
  beforeAll(() => ensureDevKeys(config.devKeyDir));

  it('carries the librarianId claim into the viewer, with a subject of its own', async () => {
    const verify = createTokenVerifier(config);
    const id = randomUUID();
    const viewer = await verify(
      `Bearer ${await signDevToken({ role: 'librarian', librarianId: id }, config)}`,
    );
    expect(viewer).toMatchObject({
      role: 'librarian',
      librarianId: id,
      provinceCode: null,
      subject: `dev-librarian-${id}`,
    });
  });

  it('refuses a librarian token that names nobody, or not by a UUID', async () => {
    const verify = createTokenVerifier(config);
    const key = await importPKCS8(
      fs.readFileSync(path.join(config.devKeyDir, 'private.pem'), 'utf8'),
      'ES256',
    );
    for (const claims of [{}, { librarianId: 'someone-else' }, { librarianId: 42 }]) {
      const token = await new SignJWT({ roles: ['librarian'], ...claims })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(config.issuer)
        .setAudience(config.audience)
        .setSubject('x')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
      await expect(verify(`Bearer ${token}`)).rejects.toMatchObject({
        extensions: { code: 'UNAUTHENTICATED' },
        message: expect.stringMatching(/librarianId/),
      });
    }
  });

  it('gives no other role a librarian id, whatever its claims say', async () => {
    const verify = createTokenVerifier(config);
    const token = await signDevToken({ role: 'analyst', librarianId: randomUUID() }, config);
    expect((await verify(`Bearer ${token}`)).librarianId).toBeNull();
  });
});

const services = {
  library: libraryPolicies,
  'bpsdm-central': centralPolicies,
  'bpsdm-regional': regionalPolicies,
} as const;
type Service = keyof typeof services;
const declared = (Object.keys(services) as Service[]).flatMap((service) =>
  [
    ...accessDeclarations(
      parse(
        fs.readFileSync(path.join(__dirname, '../../services', service, 'schema.graphql'), 'utf8'),
      ),
    ),
  ].map(([coordinate, rule]) => ({ service, coordinate, rule })),
);

/** A row of `type` about librarian `owner`, as each owner's resolvers hand it to the policy. */
function rowAbout(type: string, owner: string): unknown {
  switch (type) {
    case 'Librarian':
      return { id: owner, provinceCode: '32' };
    case 'Certification':
    case 'Enrolment':
      return { librarianId: owner, runId: randomUUID() };
    default:
      return { id: randomUUID() };
  }
}

/** Loaders that find nothing: a librarian's check must not need another row. */
const context = (viewer: Viewer) => ({
  viewer,
  loaders: new Proxy({}, { get: () => ({ load: async () => null }) }),
});

const librarianViewer = (id: string): Viewer => ({
  role: 'librarian',
  authenticated: true,
  provinceCode: null,
  subject: `s-${id}`,
  librarianId: id,
});

const refusal = (
  service: Service,
  coordinate: string,
  rule: AccessRule,
  row: unknown,
  id: string,
) =>
  fieldRefusal(
    rule,
    coordinate,
    row,
    context(librarianViewer(id)) as never,
    services[service] as PolicyEvaluators<never>,
  );

describe("a librarian reads its own record and no other librarian's personal data", () => {
  const personal = declared.filter(({ rule }) => rule.policies);

  it("every personal field is refused on another librarian's row (generated)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...personal),
        fc.uuid(),
        fc.uuid(),
        async ({ service, coordinate, rule }, me, other) => {
          fc.pre(me !== other);
          const type = coordinate.slice(0, coordinate.indexOf('.'));
          if (type === 'Query') return; // `me` has no row: it is the caller's own by construction
          const refused = await refusal(service, coordinate, rule, rowAbout(type, other), me);
          expect([coordinate, refused?.extensions.code]).toEqual([coordinate, 'FORBIDDEN']);
        },
      ),
      { numRuns: personal.length * 10 },
    );
  });

  it('the personal fields whose scopes admit librarians are read on its own row, and only those', async () => {
    const own = randomUUID();
    const readable: string[] = [];
    for (const { service, coordinate, rule } of personal) {
      const type = coordinate.slice(0, coordinate.indexOf('.'));
      const refused = await refusal(service, coordinate, rule, rowAbout(type, own), own);
      if (!refused) readable.push(coordinate);
    }
    expect(readable.sort()).toEqual(
      [
        'Query.me',
        'Librarian.nip',
        'Librarian.name',
        'Librarian.certifications',
        'Certification.holder',
        'Certification.result',
        'Certification.assessedOn',
        'Certification.issuedOn',
        'Certification.expiresOn',
        'Certification.status',
        'Certification.run',
        'Librarian.enrolments',
        'Librarian.lessonHoursCompleted',
        'Enrolment.participant',
        'Enrolment.status',
        'Enrolment.finalScore',
        'Enrolment.lessonHoursEarned',
        'Enrolment.completionCertificateNumber',
      ].sort(),
    );
  });

  it("names the reason: another librarian's personal data", async () => {
    const [nip] = personal.filter(({ coordinate }) => coordinate === 'Librarian.nip');
    const refused = await refusal(
      nip!.service,
      nip!.coordinate,
      nip!.rule,
      rowAbout('Librarian', randomUUID()),
      randomUUID(),
    );
    expect(refused?.message).toBe(`Librarian.nip ${NOT_OWN_RECORD}`);
  });

  it("a run's participants are nobody's own record: refused by role", async () => {
    const [enrolments] = personal.filter(
      ({ coordinate }) => coordinate === 'ProgramRun.enrolments',
    );
    const refused = await refusal(
      enrolments!.service,
      enrolments!.coordinate,
      enrolments!.rule,
      { id: randomUUID() },
      randomUUID(),
    );
    expect(refused?.message).toMatch(/only; your role is librarian$/);
  });
});
