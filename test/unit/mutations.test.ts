import { parseInput, requireRole, ANONYMOUS, type Viewer } from '@coop/common';
import { z } from 'zod';

describe('parseInput', () => {
  const schema = z.object({
    quota: z.number().int().min(1, 'quota must be at least 1'),
    dates: z.object({ from: z.string().min(10, 'from must be a date') }),
  });

  it('returns the parsed value when it is valid', () => {
    expect(parseInput(schema, { quota: 3, dates: { from: '2026-01-01' } })).toEqual({
      quota: 3,
      dates: { from: '2026-01-01' },
    });
  });

  it('names the field at fault, with its path, in BAD_USER_INPUT', () => {
    try {
      parseInput(schema, { quota: 0, dates: { from: 'x' } });
      throw new Error('parseInput accepted invalid input');
    } catch (error) {
      const { message, extensions } = error as {
        message: string;
        extensions: Record<string, unknown>;
      };
      expect(message).toBe('input.quota: quota must be at least 1');
      expect(extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.quota',
        problems: [
          { field: 'input.quota', message: 'quota must be at least 1' },
          { field: 'input.dates.from', message: 'from must be a date' },
        ],
      });
    }
  });
});

describe('requireRole', () => {
  const viewer = (role: Viewer['role'], provinceCode: string | null = null): Viewer => ({
    role,
    provinceCode,
    authenticated: true,
    subject: 'someone',
  });

  it('lets admins and the named roles through', () => {
    expect(() => requireRole(viewer('admin'))).not.toThrow();
    expect(() => requireRole(viewer('regional-operator', '32'), 'regional-operator')).not.toThrow();
  });

  it('refuses others: UNAUTHENTICATED without a token, FORBIDDEN with one', () => {
    expect(() => requireRole(ANONYMOUS)).toThrow(/needs a token/);
    expect(() => requireRole(viewer('analyst'))).toThrow(/may not make this change/);
    expect(() => requireRole(viewer('regional-operator', '32'))).toThrow(/may not make/);
  });
});
