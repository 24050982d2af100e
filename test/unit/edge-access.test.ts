import fs from 'node:fs';
import fc from 'fast-check';
import { accessDeclarations, requestRefusal, type Role, type Viewer } from '@coop/common';
import {
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  NoUnusedVariablesRule,
  type GraphQLSchema,
} from 'graphql';
import { answerRefused, withoutRefused } from '../../gateway/access';
import { selectedFields } from '../../gateway/explorer-access';
import { SUPERGRAPH_PATH } from '../../gateway/compose';
import { apiSchemaOf } from '../../gateway/public-schema';

const supergraphSdl = fs.readFileSync(SUPERGRAPH_PATH, 'utf8');
const declarations = accessDeclarations(parse(supergraphSdl));
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await apiSchemaOf(supergraphSdl);
});

const viewer = (role: Role | null): Viewer =>
  role
    ? { role, authenticated: true, provinceCode: '32', subject: 's' }
    : { role: null, authenticated: false, provinceCode: null, subject: null };

/** Ways to reach protected fields, each a selection on Query with a hole for more. */
const READS = [
  '{{a}}librarians(first: 2) { totalCount edges { node { level {{b}}name nip lessonHoursCompleted(year: $year) certifications { status auditTrail { at } } } } }',
  '{{a}}regionalOffice(provinceCode: "32") { name {{b}}trainingStats(year: $year) { runs } librarianStats { librarians } }',
  '{{a}}programRuns(first: 2) { edges { node { batch {{b}}enrolments { totalCount } auditTrail { at } } } }',
  '{{a}}nationalTrainingStats { runs }',
  '{{a}}facilities { name {{b}}auditTrail { at } }',
  '{{a}}agreements(first: 1) { edges { node { title {{b}}auditTrail { at } } } }',
];

describe('the edge takes refused fields out of the operation', () => {
  it('leaves a valid operation selecting only what the caller may read, whatever the shape (generated)', () => {
    fc.assert(
      fc.property(
        fc.subarray(READS, { minLength: 1 }),
        fc.constantFrom<Role | null>(null, 'analyst', 'regional-operator', 'admin'),
        fc.boolean(),
        fc.boolean(),
        (reads, role, aliased, viaFragment) => {
          const filled = reads.map((read, index) =>
            read
              .replace('{{a}}', aliased ? `r${index}: ` : '')
              .replace('{{b}}', aliased ? `x${index}: ` : ''),
          );
          const body = filled.join(' ');
          const variables = body.includes('$year') ? '($year: Int)' : '';
          const text = viaFragment
            ? `query ${variables} { ...All } fragment All on Query { ${body} }`
            : `query ${variables} { ${body} }`;
          const document = parse(text);
          expect(validate(schema, document)).toEqual([]);
          const caller = viewer(role);
          const result = withoutRefused(
            schema,
            declarations,
            document,
            getOperationAST(document)!,
            caller,
          );
          if (!result) {
            for (const coordinate of selectedFields(schema, document)) {
              const rule = declarations.get(coordinate);
              expect([coordinate, rule && requestRefusal(rule, coordinate, caller)]).toEqual([
                coordinate,
                rule && null,
              ]);
            }
            return;
          }
          // $year may now be used nowhere: the gateway does not validate again, graphql-js would.
          const rules = specifiedRules.filter((rule) => rule !== NoUnusedVariablesRule);
          expect(validate(schema, result.document, rules)).toEqual([]);
          for (const coordinate of selectedFields(schema, result.document)) {
            const rule = declarations.get(coordinate);
            if (rule)
              expect([coordinate, requestRefusal(rule, coordinate, caller)]).toEqual([
                coordinate,
                null,
              ]);
          }
          for (const { error } of result.refused) {
            expect(error.extensions.code).toBe(role ? 'FORBIDDEN' : 'UNAUTHENTICATED');
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('puts null and an error at every place a refused field was answered, list indexes included', () => {
    const error = requestRefusal(
      declarations.get('Librarian.lessonHoursCompleted')!,
      'Librarian.lessonHoursCompleted',
      viewer('analyst'),
    )!;
    const data = {
      a: { edges: [{ node: { h: 'Librarian' } }, { node: { h: 'Librarian' } }, { node: null }] },
      b: null,
    };
    const errors = answerRefused(data, [
      { path: ['a', 'edges', 'node', 'h'], error },
      { path: ['b', 'h'], error },
    ]);
    expect(data.a.edges).toEqual([{ node: { h: null } }, { node: { h: null } }, { node: null }]);
    expect(errors.map((e) => e.path)).toEqual([
      ['a', 'edges', 0, 'node', 'h'],
      ['a', 'edges', 1, 'node', 'h'],
    ]);
    expect(errors[0]).toMatchObject({
      message:
        'Librarian.lessonHoursCompleted is readable by admins and librarians only; your role is analyst',
      extensions: { code: 'FORBIDDEN' },
    });
  });
});
