import { send, tokenFor } from '../support/stack';

/** `Query.viewer` through the gateway: who the graph takes each kind of caller for. */
const VIEWER = `query Viewer {
  viewer { authenticated role provinceCode provinceName subject mayRead mayChange }
}`;

interface ViewerAnswer {
  viewer: {
    authenticated: boolean;
    role: string | null;
    provinceCode: string | null;
    provinceName: string | null;
    subject: string | null;
    mayRead: string[];
    mayChange: string[];
  };
}

async function viewerOf(token?: string) {
  const { status, body } = await send<ViewerAnswer>(VIEWER, {}, { token });
  expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
  return body.data!.viewer;
}

describe('viewer: a caller asks who it is', () => {
  it('without a token: an anonymous viewer, never an error', async () => {
    const viewer = await viewerOf();
    expect(viewer).toMatchObject({
      authenticated: false,
      role: null,
      provinceCode: null,
      provinceName: null,
      subject: null,
      mayChange: [],
    });
    expect(viewer.mayRead.join('\n')).toMatch(/public data/);
    expect(viewer.mayRead.join('\n')).not.toMatch(/statistics|personal data/);
  });

  it('an analyst: statistics, no personal data, no changes', async () => {
    const viewer = await viewerOf(await tokenFor('analyst', undefined, { subject: 'dashboard-1' }));
    expect(viewer).toMatchObject({
      authenticated: true,
      role: 'ANALYST',
      provinceCode: null,
      subject: 'dashboard-1',
      mayChange: [],
    });
    expect(viewer.mayRead.join('\n')).toMatch(/statistics/);
    expect(viewer.mayRead.join('\n')).not.toMatch(/personal data of/);
  });

  it('a regional operator: its province, by code and name, in what it may read and change', async () => {
    const viewer = await viewerOf(
      await tokenFor('regional-operator', '32', { subject: 'op-jabar' }),
    );
    expect(viewer).toMatchObject({
      authenticated: true,
      role: 'REGIONAL_OPERATOR',
      provinceCode: '32',
      provinceName: 'Jawa Barat',
      subject: 'op-jabar',
    });
    expect(viewer.mayRead).toContainEqual(
      expect.stringMatching(/^personal data of province 32 \(Jawa Barat\)/),
    );
    expect(viewer.mayChange).toEqual([
      expect.stringMatching(/province 32 \(Jawa Barat\)'s office/),
    ]);
  });

  it('an admin: everything', async () => {
    const viewer = await viewerOf(await tokenFor('admin', undefined, { subject: 'admin-1' }));
    expect(viewer).toMatchObject({ role: 'ADMIN', provinceCode: null, subject: 'admin-1' });
    expect(viewer.mayRead).toContain('personal data of every province');
    expect(viewer.mayChange.length).toBeGreaterThan(1);
  });

  it('a token that does not verify: 401, as for any field', async () => {
    const { status, body } = await send(VIEWER, {}, { token: 'not.a.token' });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('the response cache never hands one caller another’s viewer', async () => {
    // The same text, asked in turn by every kind of caller, twice each: each gets itself.
    const callers = [
      { token: undefined, role: null, subject: null },
      {
        token: await tokenFor('analyst', undefined, { subject: 'a-1' }),
        role: 'ANALYST',
        subject: 'a-1',
      },
      {
        token: await tokenFor('analyst', undefined, { subject: 'a-2' }),
        role: 'ANALYST',
        subject: 'a-2',
      },
      {
        token: await tokenFor('regional-operator', '31'),
        role: 'REGIONAL_OPERATOR',
        subject: 'dev-regional-operator',
      },
      {
        token: await tokenFor('regional-operator', '32'),
        role: 'REGIONAL_OPERATOR',
        subject: 'dev-regional-operator',
      },
      { token: await tokenFor('admin'), role: 'ADMIN', subject: 'dev-admin' },
    ];
    for (const round of [1, 2]) {
      for (const caller of callers) {
        const viewer = await viewerOf(caller.token);
        expect({ round, role: viewer.role, subject: viewer.subject }).toEqual({
          round,
          role: caller.role,
          subject: caller.subject,
        });
      }
    }
    const operators = await Promise.all(
      ['31', '32'].map(
        async (code) => (await viewerOf(await tokenFor('regional-operator', code))).provinceCode,
      ),
    );
    expect(operators).toEqual(['31', '32']);
  });
});
