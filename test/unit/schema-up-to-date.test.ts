import fs from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { SERVICES } from '@coop/common';
import { isEnumType, isInputObjectType, isObjectType, isSpecifiedScalarType, parse } from 'graphql';
import { composeSupergraph, SUPERGRAPH_PATH, subgraphSdlPath } from '../../gateway/compose';

describe('checked-in schema/', () => {
  const composition = composeSupergraph();

  it('holds the supergraph composed from the services (run `npm run compose`)', () => {
    expect(fs.readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composition.supergraphSdl);
  });

  it.each(SERVICES.map((service) => service.name))('holds the SDL of %s', (name) => {
    const { service, sdl } = composition.subgraphs.find((s) => s.service.name === name)!;
    expect(fs.readFileSync(subgraphSdlPath(service), 'utf8')).toBe(`${sdl.trim()}\n`);
  });

  it('describes every type, field, argument and enum value for the explorer', () => {
    const undocumented: string[] = [];
    for (const { service, sdl } of composition.subgraphs) {
      const schema = buildSubgraphSchema(parse(sdl));
      for (const type of Object.values(schema.getTypeMap())) {
        if (/^(_|link__|federation__)/.test(type.name)) continue;
        if (isSpecifiedScalarType(type)) continue;
        if (type.name !== 'Query' && !type.description) {
          undocumented.push(`${service.name}: ${type.name}`);
        }
        if (isObjectType(type) || isInputObjectType(type)) {
          for (const field of Object.values(type.getFields())) {
            if (field.name.startsWith('_')) continue;
            if (!field.description)
              undocumented.push(`${service.name}: ${type.name}.${field.name}`);
          }
        }
        if (isEnumType(type)) {
          for (const value of type.getValues()) {
            if (!value.description)
              undocumented.push(`${service.name}: ${type.name}.${value.name}`);
          }
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});
