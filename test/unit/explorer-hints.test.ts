import fs from 'node:fs';
import fc from 'fast-check';
import { Kind, type OperationDefinitionNode } from 'graphql';
import {
  fieldRefusal,
  librarianId,
  librarianProvince,
  personalDataOfProvince,
  SCALE_PLANS,
  type PolicyEvaluators,
  type Viewer,
} from '@coop/common';
import { contractOperations } from '../../contract';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import {
  candidateCallers,
  POLICY_MEANINGS,
  readDeclarations,
  satisfies,
} from '../../gateway/explorer-access';
import { explorerExamples } from '../../gateway/explorer-examples';
import { certificationRows } from '../../services/library/seed/generate';
import { policies as regionalPolicies } from '../../services/bpsdm-regional/policies';

const supergraphSdl = fs.readFileSync(SUPERGRAPH_PATH, 'utf8');
const declarations = readDeclarations(supergraphSdl);
const examples = explorerExamples(supergraphSdl);
const example = (name: string) => examples.find((e) => e.name === name)!;

describe('the explorer’s hints, from the declarations', () => {
  it('Profile: an admin’s token; the operator of the librarian’s own province reads all else', () => {
    const profile = example('Profile');
    expect(librarianProvince(0)).toBe('31');
    expect(profile.caller).toEqual({ role: 'admin', provinceCode: null });
    expect(profile.partly).toEqual({
      caller: { role: 'regional-operator', provinceCode: '31' },
      refused: ['Librarian.lessonHoursCompleted'],
    });
    expect(profile.query).toMatch(/province 31 \(DKI Jakarta\)/);
    expect(profile.query).not.toMatch(/province 32/);
    expect(profile.query).toMatch(/Librarian\.lessonHoursCompleted: admin$/m);
  });

  it('CreateFacility: an admin’s write, which nobody weaker gets any part of', () => {
    expect(example('CreateFacility').caller.role).toBe('admin');
    expect(example('CreateFacility').partly).toBeUndefined();
    expect(example('CreateFacility').query).toMatch(/Mutation\.createFacility: admin$/m);
  });

  it('names the token each tab needs, as the contract’s own Token: line says', () => {
    const expected: Record<string, string | null> = {
      none: null,
      'any role': 'analyst',
      admin: 'admin',
      'regional-operator': 'regional-operator',
    };
    for (const item of examples) {
      const token = contractOperations().find((op) => op.name === item.name)!.token;
      const said = Object.keys(expected).find((start) => token.startsWith(start));
      expect({ tab: item.name, role: item.caller.role }).toEqual({
        tab: item.name,
        role: said === undefined ? 'unknown' : expected[said],
      });
    }
  });

  it('shows the Welcome first, has a `viewer` tab and the writes last, the api-contract file gone', () => {
    expect(examples[0]?.name).toBe('Welcome');
    expect(examples[0]?.caller.role).toBeNull();
    expect(example('Viewer').caller.role).toBeNull();
    expect(examples.at(-1)?.query).toMatch(/^mutation /m);
    for (const item of examples) expect(item.query).not.toMatch(/api-contract|\/work\/shared/);
    expect(fs.readFileSync(require.resolve('../../gateway/explorer-examples'), 'utf8')).not.toMatch(
      /api-contract/,
    );
  });

  it('gives every variable an example needs without a default', () => {
    for (const item of examples) {
      const operation = contractOperations().find((op) => op.name === item.name)!;
      const definition = operation.document.definitions.find(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      )!;
      const required = (definition.variableDefinitions ?? [])
        .filter((v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue)
        .map((v) => v.variable.name.value);
      for (const name of required) {
        expect({ tab: item.name, [name]: item.variables?.[name] !== undefined }).toEqual({
          tab: item.name,
          [name]: true,
        });
      }
    }
  });

  it('reads examples that exist alike in the small seed and the large one', () => {
    for (const plan of [SCALE_PLANS.small, SCALE_PLANS.large]) {
      // Librarian 0 exists in every seed, in the same province.
      expect(plan.librarians).toBeGreaterThan(0);
      expect(example('Profile').variables).toEqual({ id: librarianId(0) });
      // The first certificate, whose number the Verify tab checks, is genuine in every seed.
      const [first] = certificationRows(plan);
      expect(first?.[0]).toBe(example('Verify').variables?.n);
      expect(first?.[3]).toBe('COMPETENT');
      expect(first?.[7]).toBeNull();
    }
  });
});

describe('the Docs pane tells the truth about writes', () => {
  it('describes Mutation naming every write a regional-operator may make, not "Admins only"', () => {
    const mutation = declarations.schema.getMutationType()!;
    const description = (mutation.description ?? '').replace(/\s+/g, ' ');
    expect(description).not.toMatch(/Admins only/);
    const byOperators = Object.keys(mutation.getFields()).filter((field) =>
      satisfies(
        declarations.fields.get(`Mutation.${field}`)!,
        { role: 'regional-operator', provinceCode: '32' },
        null,
      ),
    );
    expect(byOperators.length).toBeGreaterThan(0);
    for (const field of byOperators) expect(description).toContain(`\`${field}\``);
    // Every write declares who may make it.
    for (const field of Object.keys(mutation.getFields())) {
      expect([field, declarations.fields.has(`Mutation.${field}`)]).toEqual([field, true]);
    }
  });
});

describe('what a hint says of a field agrees with how its owner enforces it (generated)', () => {
  const viewerOf = (caller: { role: Viewer['role']; provinceCode: string | null }): Viewer => ({
    ...caller,
    authenticated: caller.role !== null,
    subject: 'test',
  });

  it('knows every @policy the supergraph names', () => {
    const named = [...declarations.fields.values()].flatMap((rule) => rule.policies?.flat() ?? []);
    expect([...new Set(named)].filter((name) => !(name in POLICY_MEANINGS))).toEqual([]);
  });

  it('for every declared field, caller and row province: readable in the hint ⇔ not refused', async () => {
    const declared = [...declarations.fields.entries()];
    const provinces = ['31', '32', '11'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...declared),
        fc.constantFrom(...provinces),
        fc.constantFrom(...provinces),
        fc.nat(3),
        async ([coordinate, rule], rowProvince, callerProvince, which) => {
          const type = coordinate.slice(0, coordinate.indexOf('.'));
          const evaluators: PolicyEvaluators<{ viewer: Viewer }> = {
            'personal-data-of-province': personalDataOfProvince({ [type]: () => rowProvince }),
            'training-records-of-own-office': regionalPolicies[
              'training-records-of-own-office'
            ] as never,
          };
          const caller = candidateCallers(callerProvince)[which]!;
          const refusal = await fieldRefusal(
            rule,
            coordinate,
            {},
            { viewer: viewerOf(caller) },
            evaluators,
          );
          expect({ coordinate, caller, readable: satisfies(rule, caller, rowProvince) }).toEqual({
            coordinate,
            caller,
            readable: refusal === null,
          });
        },
      ),
      { numRuns: 400 },
    );
  });
});
