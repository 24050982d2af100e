import { selectedFieldNames } from '@coop/common';
import { buildSchema, execute, parse, type GraphQLResolveInfo } from 'graphql';

const schema = buildSchema(`
  type Office { name: String city: String }
  type Run { office: Office enrolmentCount: Int batch: Int }
  type Query { runs: [Run] }
`);

function namesFor(query: string): string[] {
  let seen: ReadonlySet<string> = new Set();
  const rootValue = {
    runs: (_: unknown, __: unknown, info: GraphQLResolveInfo) => {
      seen = selectedFieldNames(info);
      return [];
    },
  };
  execute({ schema, document: parse(query), rootValue });
  return [...seen].sort();
}

describe('selectedFieldNames', () => {
  it('names every field below, through inline and named fragments', () => {
    expect(namesFor(`{ runs { batch office { name } } }`)).toEqual(['batch', 'name', 'office']);
    expect(
      namesFor(
        `{ runs { ... on Run { enrolmentCount } ...R } } fragment R on Run { office { city } }`,
      ),
    ).toEqual(['city', 'enrolmentCount', 'office']);
  });

  it('answers again for the same parsed document, and apart for another', () => {
    const document = `{ runs { batch } }`;
    expect(namesFor(document)).toEqual(['batch']);
    expect(namesFor(document)).toEqual(['batch']);
    expect(namesFor(`{ runs { office { name } } }`)).toEqual(['name', 'office']);
  });
});
