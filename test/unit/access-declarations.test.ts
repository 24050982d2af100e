import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  accessDeclarations,
  ANONYMOUS,
  personalDataOfProvince,
  withDeclaredAccess,
  type AccessRule,
  type PolicyEvaluators,
  type Role,
  type Viewer,
} from '@coop/common';
import { parse, type GraphQLError } from 'graphql';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { apiSchemaOf, publicSchemaSdl } from '../../gateway/public-schema';
import { policies as centralPolicies } from '../../services/bpsdm-central/policies';
import { resolvers as centralResolvers } from '../../services/bpsdm-central/resolvers';
import { policies as regionalPolicies } from '../../services/bpsdm-regional/policies';
import { resolvers as regionalResolvers } from '../../services/bpsdm-regional/resolvers';
import { policies as libraryPolicies } from '../../services/library/policies';
import { resolvers as libraryResolvers } from '../../services/library/resolvers';

const services = {
  library: { resolvers: libraryResolvers, policies: libraryPolicies },
  'bpsdm-central': { resolvers: centralResolvers, policies: centralPolicies },
  'bpsdm-regional': { resolvers: regionalResolvers, policies: regionalPolicies },
} as const;
type Service = keyof typeof services;

const sdlOf = (service: Service) =>
  parse(fs.readFileSync(path.join(__dirname, '../../services', service, 'schema.graphql'), 'utf8'));

const viewer = (role: Role | null, provinceCode: string | null = null): Viewer =>
  role ? { role, authenticated: true, provinceCode, subject: `test-${role}` } : { ...ANONYMOUS };

type Wrapped = (parent: unknown, args: unknown, context: unknown, info: unknown) => unknown;

/** Calls the wrapped resolver of `coordinate` and returns its refusal, or null if it resolved. */
async function refusalOf(
  wrapped: Record<string, Record<string, unknown>>,
  coordinate: string,
  context: { viewer: Viewer },
  parent: unknown = {},
): Promise<GraphQLError | null> {
  const [type, field] = coordinate.split('.') as [string, string];
  try {
    await (wrapped[type]![field] as Wrapped)(parent, {}, context, {});
    return null;
  } catch (error) {
    return error as GraphQLError;
  }
}

describe('each subgraph derives its checks from its own SDL', () => {
  const every = (Object.keys(services) as Service[]).flatMap((service) =>
    [...accessDeclarations(sdlOf(service))].map(
      ([coordinate, rule]) => [service, coordinate, rule] as [Service, string, AccessRule],
    ),
  );

  it('declares access on the fields the contract protects', () => {
    const coordinates = every.map(([, coordinate]) => coordinate);
    expect(coordinates).toEqual(
      expect.arrayContaining([
        'Librarian.name',
        'Librarian.nip',
        'Certification.result',
        'Query.librarians',
        'Query.librarianByNip',
        'RegionalOffice.librarianStats',
        'RegionalOffice.trainingStats',
        'ProgramRun.enrolments',
        'Enrolment.finalScore',
        'Librarian.enrolments',
        'Librarian.lessonHoursCompleted',
        'TrainingProgram.auditTrail',
      ]),
    );
  });

  it('every declared field refuses a caller without a token, UNAUTHENTICATED, before resolving (generated)', async () => {
    const wrapped = Object.fromEntries(
      (Object.keys(services) as Service[]).map((service) => [
        service,
        withDeclaredAccess(
          services[service].resolvers as never,
          sdlOf(service),
          services[service].policies as PolicyEvaluators<{ viewer: Viewer }>,
          service,
        ),
      ]),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...every), async ([service, coordinate]) => {
        const refusal = await refusalOf(wrapped[service]!, coordinate, { viewer: viewer(null) });
        expect([coordinate, refusal?.extensions.code]).toEqual([coordinate, 'UNAUTHENTICATED']);
        expect(refusal?.message).toBe(`${coordinate} needs a token: sign in to read it`);
      }),
      { numRuns: every.length * 3 },
    );
  });

  it('every role a field does not admit is refused FORBIDDEN, naming the roles it needs (generated)', async () => {
    const scoped = every.filter(([, , rule]) => rule.scopes);
    const wrapped = (service: Service) =>
      withDeclaredAccess(
        services[service].resolvers as never,
        sdlOf(service),
        services[service].policies as PolicyEvaluators<{ viewer: Viewer }>,
      );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...scoped),
        fc.constantFrom<Role>('analyst', 'regional-operator'),
        async ([service, coordinate, rule], role) => {
          fc.pre(!rule.scopes!.some((all) => all.length === 1 && all[0] === role));
          const refusal = await refusalOf(wrapped(service), coordinate, {
            viewer: viewer(role, '32'),
          });
          expect(refusal?.extensions.code).toBe('FORBIDDEN');
          expect(refusal?.message).toMatch(
            new RegExp(`^${coordinate} is readable by admins.* only; your role is ${role}$`),
          );
        },
      ),
    );
  });

  it('every scope list admits admins, and every @policy field also declares its roles', () => {
    for (const [, coordinate, rule] of every) {
      if (rule.scopes) {
        const admits = rule.scopes.some((all) => all.length === 1 && all[0] === 'admin');
        expect([coordinate, admits]).toEqual([coordinate, true]);
      }
      if (rule.policies) expect([coordinate, rule.scopes]).not.toEqual([coordinate, null]);
    }
  });

  it('composes every subgraph declaration into the supergraph, unchanged', () => {
    const composed = accessDeclarations(parse(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')));
    for (const [, coordinate, rule] of every) {
      expect([coordinate, composed.get(coordinate)]).toEqual([coordinate, rule]);
    }
    expect(composed.size).toBe(every.length);
  });

  it('shows partners every declaration in the public schema, as the owners wrote it', async () => {
    const supergraphSdl = fs.readFileSync(SUPERGRAPH_PATH, 'utf8');
    const publicSdl = publicSchemaSdl(await apiSchemaOf(supergraphSdl));
    expect(accessDeclarations(parse(publicSdl))).toEqual(accessDeclarations(parse(supergraphSdl)));
  });

  it('refuses to start on a policy it cannot evaluate, a type it cannot judge, or a rule on a type', () => {
    const sdl = (text: string) => parse(text);
    expect(() =>
      withDeclaredAccess({}, sdl('type Query { a: Int @policy(policies: [["nope"]]) }'), {}),
    ).toThrow(/"nope" on Query.a has no evaluator/);
    const province = { p: personalDataOfProvince({ Librarian: () => '32' }) };
    expect(() =>
      withDeclaredAccess({}, sdl('type Query { a: Int @policy(policies: [["p"]]) }'), province),
    ).toThrow(/cannot judge Query/);
    expect(() => withDeclaredAccess({}, sdl('type Query { a: Int }'), province)).toThrow(
      /policies no field declares: p/,
    );
    expect(() => withDeclaredAccess({}, sdl('type Query @authenticated { a: Int }'), {})).toThrow(
      /declare access on its fields/,
    );
  });
});

describe('refusals name the real reason', () => {
  const sdl = parse(`
    type Query { librarian: Librarian }
    type Librarian {
      provinceCode: String
      name: String
        @requiresScopes(scopes: [["admin"], ["regional-operator"]])
        @policy(policies: [["personal-data-of-province"]])
      audit: String @requiresScopes(scopes: [["admin"]])
    }
  `);
  const wrapped = withDeclaredAccess({}, sdl, {
    'personal-data-of-province': personalDataOfProvince({
      Librarian: (row: { provinceCode: string }) => row.provinceCode,
    }),
  });
  const jakarta = { provinceCode: '31', name: 'Siti' };

  it('a role without the scope: the roles that may read it', async () => {
    const refusal = await refusalOf(
      wrapped,
      'Librarian.name',
      { viewer: viewer('analyst') },
      jakarta,
    );
    expect(refusal?.message).toBe(
      'Librarian.name is readable by admins and regional operators only; your role is analyst',
    );
    const audit = await refusalOf(
      wrapped,
      'Librarian.audit',
      { viewer: viewer('regional-operator', '31') },
      jakarta,
    );
    expect(audit?.message).toBe(
      'Librarian.audit is readable by admins only; your role is regional-operator',
    );
  });

  it("an operator asking for another province's personal data: the province", async () => {
    const refusal = await refusalOf(
      wrapped,
      'Librarian.name',
      { viewer: viewer('regional-operator', '32') },
      jakarta,
    );
    expect(refusal?.extensions.code).toBe('FORBIDDEN');
    expect(refusal?.message).toBe(
      "Librarian.name is personal data of another province: a regional operator reads only its own province's, 32 (Jawa Barat)",
    );
    expect(refusal?.message).not.toMatch(/role/);
  });

  it('admins and the operator of the province read it', async () => {
    for (const who of [viewer('admin'), viewer('regional-operator', '31')]) {
      expect(await refusalOf(wrapped, 'Librarian.name', { viewer: who }, jakarta)).toBeNull();
    }
  });
});
