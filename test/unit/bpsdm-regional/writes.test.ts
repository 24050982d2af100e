import { ANONYMOUS, type Viewer } from '@coop/common';
import { GraphQLError } from 'graphql';
import {
  clientKeySchema,
  idSchema,
  parseArgs,
  requireOwnLibrarian,
  requireOwnOffice,
  sqlState,
  versionSchema,
} from '../../../services/bpsdm-regional/resolvers/writes';

const viewer = (role: Viewer['role'], provinceCode: string | null = null): Viewer => ({
  role,
  provinceCode,
  authenticated: true,
  subject: `dev-${role}`,
});

function thrown(action: () => unknown): GraphQLError {
  try {
    action();
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('expected a GraphQLError');
}

describe('requireOwnOffice', () => {
  it('lets admins change every office and operators their own', () => {
    expect(() => requireOwnOffice(viewer('admin'), '31', 'Run x')).not.toThrow();
    expect(() => requireOwnOffice(viewer('regional-operator', '32'), '32', 'Run x')).not.toThrow();
  });

  it('refuses operators of another province, analysts and anonymous callers with FORBIDDEN', () => {
    for (const who of [viewer('regional-operator', '32'), viewer('analyst'), ANONYMOUS]) {
      const error = thrown(() => requireOwnOffice(who, '31', 'Run x'));
      expect(error.extensions.code).toBe('FORBIDDEN');
      expect(error.message).toMatch(/^Run x is at the office of province 31; /);
    }
  });
});

describe('requireOwnLibrarian', () => {
  it("lets admins enrol anybody and operators their own province's librarians", () => {
    expect(() => requireOwnLibrarian(viewer('admin'), 'l', '31')).not.toThrow();
    expect(() => requireOwnLibrarian(viewer('regional-operator', '32'), 'l', '32')).not.toThrow();
  });

  it('refuses a librarian of another province with FORBIDDEN on librarianId', () => {
    for (const who of [viewer('regional-operator', '32'), viewer('analyst'), ANONYMOUS]) {
      const error = thrown(() => requireOwnLibrarian(who, 'l', '31'));
      expect(error.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'librarianId' });
      expect(error.message).toMatch(/^Librarian l works in province 31; /);
    }
  });
});

describe('parseArgs', () => {
  const shape = { runId: idSchema('runId'), version: versionSchema, clientKey: clientKeySchema };

  it('returns the arguments when they are valid', () => {
    const runId = '0a9ca69a-0be1-5ca6-82bc-70da8976ba70';
    expect(parseArgs(shape, { runId, version: 3 })).toEqual({ runId, version: 3 });
  });

  it('names the argument at fault, not input.<name>', () => {
    const error = thrown(() => parseArgs(shape, { runId: 'run-1', version: 3 }));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'runId' });
    expect(error.message).toBe('runId: runId must be an id (a UUID)');
    const version = thrown(() =>
      parseArgs(shape, { runId: '0a9ca69a-0be1-5ca6-82bc-70da8976ba70', version: 0 }),
    );
    expect(version.extensions.field).toBe('version');
    const key = thrown(() =>
      parseArgs(shape, {
        runId: '0a9ca69a-0be1-5ca6-82bc-70da8976ba70',
        version: 1,
        clientKey: 'k'.repeat(201),
      }),
    );
    expect(key.message).toBe('clientKey: clientKey must be at most 200 characters');
  });
});

describe('sqlState', () => {
  it('reads the SQLSTATE of a failed statement', () => {
    expect(sqlState(Object.assign(new Error('overlap'), { code: '23P01' }))).toBe('23P01');
    expect(sqlState(new Error('plain'))).toBeUndefined();
    expect(sqlState(null)).toBeUndefined();
  });
});
