import fs from 'node:fs';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import fc from 'fast-check';
import { buildSchema, parse, print } from 'graphql';
import {
  contractOperations,
  documentId,
  MANIFEST_PATH,
  manifestText,
  persistedQueryManifest,
} from '../../contract';
import {
  manifestFrom,
  parseTrustedOnly,
  readManifest,
  resolvePersisted,
  trustedDocuments,
  trustedDocumentStore,
  trustedText,
  type Caller,
} from '../../gateway/trusted-documents';

describe('the contract (contract/operations)', () => {
  it('holds the operations clients depend on, each saying who uses it and which token it needs', () => {
    const names = contractOperations().map((operation) => operation.name);
    for (const name of ['MyRuns', 'Dashboard', 'Agreement', 'Profile', 'Verify', 'ItDashboard']) {
      expect(names).toContain(name);
    }
    for (const name of ['PlanRun', 'Enrol', 'RecordResult', 'CreateFacility', 'DashboardPage']) {
      expect(names).toContain(name);
    }
    for (const operation of contractOperations()) {
      expect(operation.usedBy).not.toBe('');
      expect(operation.token).not.toBe('');
      expect(operation.id).toBe(documentId(print(parse(operation.text))));
    }
  });
});

describe('the persisted-query manifest', () => {
  it('is up to date with contract/operations (npm run trusted-documents writes it)', () => {
    const onDisk = fs.existsSync(MANIFEST_PATH) ? fs.readFileSync(MANIFEST_PATH, 'utf8') : '';
    if (onDisk !== manifestText()) {
      throw new Error(
        'contract/persisted-query-manifest.json is out of date with contract/operations: run `npm run trusted-documents`',
      );
    }
  });

  it("is Apollo's format, each id the SHA-256 of its body", () => {
    const manifest = JSON.parse(fs.readFileSync(MANIFEST_PATH, 'utf8')) as ReturnType<
      typeof persistedQueryManifest
    >;
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.version).toBe(1);
    for (const operation of manifest.operations) {
      expect(Object.keys(operation).sort()).toEqual(['body', 'id', 'name', 'type']);
      expect(operation.id).toMatch(/^[0-9a-f]{64}$/);
      expect(operation.id).toBe(documentId(operation.body));
      expect(['query', 'mutation']).toContain(operation.type);
    }
  });

  it('refuses what is not a manifest', () => {
    expect(() => manifestFrom({ format: 'other', version: 1, operations: [] })).toThrow(
      /apollo-persisted-query-manifest/,
    );
    expect(() =>
      manifestFrom({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: 'x', name: 'X', type: 'subscription', body: 'subscription X { a }' }],
      }),
    ).toThrow(/neither a query nor a mutation/);
  });
});

const manifest = readManifest();
const verify = contractOperations().find((operation) => operation.name === 'Verify')!;

describe('a persisted request', () => {
  it('runs the manifest body for its id, by extensions.persistedQuery or documentId', () => {
    const byExtension = resolvePersisted(
      {
        operationName: 'Verify',
        variables: { n: 'x' },
        extensions: { persistedQuery: { version: 1, sha256Hash: verify.id } },
      },
      manifest,
    );
    expect(byExtension.refusal).toBeUndefined();
    expect(byExtension.params).toEqual({
      operationName: 'Verify',
      variables: { n: 'x' },
      query: verify.body,
    });
    expect(byExtension.trusted?.name).toBe('Verify');
    for (const documentIdSent of [verify.id, `sha256:${verify.id}`]) {
      const resolved = resolvePersisted({ documentId: documentIdSent }, manifest);
      expect(resolved.params).toEqual({ query: verify.body });
    }
  });

  it('keeps the other extensions', () => {
    const resolved = resolvePersisted(
      { extensions: { persistedQuery: { version: 1, sha256Hash: verify.id }, trace: true } },
      manifest,
    );
    expect(resolved.params).toEqual({ query: verify.body, extensions: { trace: true } });
  });

  it('is refused with PERSISTED_QUERY_NOT_FOUND for an id the manifest does not hold', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), (id) => {
        fc.pre(!manifest.byId.has(id));
        const { refusal } = resolvePersisted(
          { extensions: { persistedQuery: { version: 1, sha256Hash: id } } },
          manifest,
        );
        expect(refusal).toMatchObject({ status: 400, code: 'PERSISTED_QUERY_NOT_FOUND' });
      }),
    );
  });

  it('is refused with 400 for another version, or a text that is not its hash', () => {
    expect(
      resolvePersisted(
        { extensions: { persistedQuery: { version: 2, sha256Hash: verify.id } } },
        manifest,
      ).refusal,
    ).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(
      resolvePersisted(
        {
          query: '{ __typename }',
          extensions: { persistedQuery: { version: 1, sha256Hash: verify.id } },
        },
        manifest,
      ).refusal,
    ).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });

  it('with its text and hash (an APQ client after PERSISTED_QUERY_NOT_FOUND) runs the text', () => {
    const query = '{ __typename }';
    const resolved = resolvePersisted(
      { query, extensions: { persistedQuery: { version: 1, sha256Hash: documentId(query) } } },
      manifest,
    );
    expect(resolved).toEqual({ params: { query } });
  });
});

describe('recognising a trusted text', () => {
  const recognise = trustedText(manifest);

  it('knows every contract operation by its file text, comments and layout included', () => {
    for (const operation of contractOperations()) {
      expect(recognise(operation.text)?.id).toBe(operation.id);
      expect(recognise(operation.body)?.id).toBe(operation.id);
    }
  });

  it('knows no other text (generated)', () => {
    const bodies = new Set(manifest.byPrintedBody.keys());
    const fields = ['name', 'level', 'nip', 'provinceCode', 'grade', '__typename'];
    const document = fc
      .tuple(fc.subarray(fields, { minLength: 1 }), fc.constantFrom('query', 'mutation', ''))
      .map(([picked, keyword]) => `${keyword} { librarian(id: "x") { ${picked.join(' ')} } }`);
    const anyText = fc.oneof(fc.string(), document);
    fc.assert(
      fc.property(anyText, (text) => {
        let printed: string | undefined;
        try {
          printed = print(parse(text));
        } catch {
          printed = undefined;
        }
        fc.pre(!printed || !bodies.has(printed));
        expect(recognise(text)).toBeUndefined();
      }),
    );
  });

  it('knows no contract operation with a field more or less (generated)', () => {
    const queries = contractOperations().filter((operation) => operation.type === 'query');
    fc.assert(
      fc.property(fc.constantFrom(...queries), fc.boolean(), (operation, add) => {
        const changed = add
          ? operation.body.replace(/\{\n/, '{\n  __typename\n')
          : operation.body.replace(/\n\s+[a-zA-Z]+\n/, '\n');
        fc.pre(changed !== operation.body);
        expect(recognise(changed)).toBeUndefined();
      }),
    );
  });
});

describe('TRUSTED_DOCUMENTS_ONLY', () => {
  it('names callers: anonymous and roles, or all', () => {
    expect([...parseTrustedOnly('anonymous, analyst')]).toEqual(['anonymous', 'analyst']);
    expect(parseTrustedOnly('all').size).toBe(5); // anonymous and the four roles
    expect(parseTrustedOnly(undefined).size).toBe(0);
    expect(() => parseTrustedOnly('anonymus')).toThrow(/unknown caller "anonymus"/);
  });
});

/** The middleware on a request of `caller`, as express would call it. */
function through(
  trustedOnly: Caller[],
  body: unknown,
  role: string | null,
): { status?: number; json?: { errors: { extensions: { code: string } }[] }; body?: unknown } {
  const middleware = trustedDocuments(manifest, new Set(trustedOnly));
  const req = { method: 'POST', body, headers: {}, url: '/graphql' } as unknown as Request;
  const outcome: ReturnType<typeof through> = {};
  const res = {
    locals: { viewer: role ? { role, authenticated: true } : null },
    status(code: number) {
      outcome.status = code;
      return this;
    },
    json(value: never) {
      outcome.json = value;
    },
  } as unknown as Response;
  middleware(req, res, (() => {
    outcome.body = req.body;
  }) as NextFunction);
  return outcome;
}

describe('the trusted documents middleware', () => {
  const free = { query: '{ agreements(first: 1) { totalCount } }' };

  it('refuses a free text from a chosen caller with 403 TRUSTED_DOCUMENTS_ONLY', () => {
    const refused = through(['anonymous'], free, null);
    expect(refused.status).toBe(403);
    expect(refused.json?.errors[0]?.extensions.code).toBe('TRUSTED_DOCUMENTS_ONLY');
    // A batch is refused whole.
    expect(through(['anonymous'], [{ query: verify.text }, free], null).status).toBe(403);
  });

  it('lets the same text through for other callers', () => {
    expect(through(['anonymous'], free, 'admin').body).toEqual(free);
    expect(through([], free, null).body).toEqual(free);
  });

  it('lets a chosen caller send trusted documents, by id or as text', () => {
    const byId = { extensions: { persistedQuery: { version: 1, sha256Hash: verify.id } } };
    expect(through(['anonymous'], byId, null).body).toEqual({ query: verify.body });
    expect(through(['anonymous'], { query: verify.text }, null).body).toEqual({
      query: verify.text,
    });
    expect(through(['anonymous'], [byId, byId], null).body).toEqual([
      { query: verify.body },
      { query: verify.body },
    ]);
  });
});

describe('the pinned document store', () => {
  const schema = buildSchema('type Query { hello: String, other: Int }');
  const small = manifestFrom({
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: [
      { id: 'a', name: 'Hello', type: 'query', body: 'query Hello {\n  hello\n}' },
      { id: 'b', name: 'Wrong', type: 'query', body: 'query Wrong {\n  missing\n}' },
    ],
  });

  it('pins what validates, refuses to pin what does not', () => {
    const documents = trustedDocumentStore(small, []);
    expect(documents.warm(schema)).toEqual(['Wrong']);
    expect(documents.pinnedCount()).toBe(1);
  });

  it('spares a trusted document parsing and validation from its first request', async () => {
    const documents = trustedDocumentStore(small, []);
    documents.warm(schema);
    const seen: string[] = [];
    const observer: ApolloServerPlugin = {
      async requestDidStart() {
        return {
          async parsingDidStart() {
            seen.push('parsing');
          },
          async validationDidStart() {
            seen.push('validation');
          },
        };
      },
    };
    const server = new ApolloServer({
      schema,
      documentStore: documents.store,
      plugins: [observer],
    });
    await server.start();
    try {
      const trusted = await server.executeOperation({ query: 'query Hello {\n  hello\n}' });
      expect(trusted.body.kind === 'single' && trusted.body.singleResult.errors).toBeFalsy();
      expect(seen).toEqual([]);
      await server.executeOperation({ query: '{ other }' });
      expect(seen).toEqual(['parsing', 'validation']);
    } finally {
      await server.stop();
    }
  });
});
