import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Types for the contract's operations (contract/operations, one copy for every client), from
 * the graph's public schema: a file (offline; `curl http://localhost:4000/schema.graphql >
 * schema.graphql`) or the gateway's URL. `SCHEMA` chooses; the default is the file beside this
 * one.
 */
const config: CodegenConfig = {
  schema: process.env.SCHEMA || `${__dirname}/schema.graphql`,
  documents: `${__dirname}/../../contract/operations/*.graphql`,
  generates: {
    [`${__dirname}/generated/graphql.ts`]: {
      plugins: ['typescript-operations'],
      config: {
        // Only the types the operations use, enums as string unions: no runtime code.
        enumsAsTypes: true,
        avoidOptionals: true,
        scalars: { Date: 'string' },
      },
    },
  },
};

export default config;
