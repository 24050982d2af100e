import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authConfig, createTokenVerifier, ensureDevKeys, signDevToken } from '@coop/common';
import { importPKCS8, SignJWT } from 'jose';

describe('token verification is remembered until the token expires', () => {
  const config = { ...authConfig(), devKeyDir: fs.mkdtempSync(path.join(os.tmpdir(), 'keys-')) };

  beforeAll(() => ensureDevKeys(config.devKeyDir));

  it('answers a verified token again, and refuses it once it has expired', async () => {
    const verify = createTokenVerifier(config);
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = await signDevToken(
      { role: 'regional-operator', provinceCode: '32', expiresIn: expiresAt },
      config,
    );
    const first = await verify(`Bearer ${token}`);
    expect(first).toMatchObject({ role: 'regional-operator', provinceCode: '32' });
    expect(await verify(`Bearer ${token}`)).toEqual(first);
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    await expect(verify(`Bearer ${token}`)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('never remembers a token that failed: a tampered copy of a good one stays refused', async () => {
    const verify = createTokenVerifier(config);
    const token = await signDevToken({ role: 'analyst' }, config);
    await verify(`Bearer ${token}`);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString(
      'base64url',
    );
    await expect(verify(`Bearer ${header}.${forged}.${signature}`)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});

describe('tokens without an expiry', () => {
  it('are refused: they would be valid for ever', async () => {
    const config = { ...authConfig(), devKeyDir: fs.mkdtempSync(path.join(os.tmpdir(), 'keys-')) };
    await ensureDevKeys(config.devKeyDir);
    const privateKey = await importPKCS8(
      fs.readFileSync(path.join(config.devKeyDir, 'private.pem'), 'utf8'),
      'ES256',
    );
    const forever = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setSubject('someone')
      .setIssuedAt()
      .sign(privateKey);
    await expect(createTokenVerifier(config)(`Bearer ${forever}`)).rejects.toMatchObject({
      message: expect.stringMatching(/expires/),
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});

describe('tokens valid for longer than AUTH_MAX_TOKEN_LIFETIME', () => {
  const config = {
    ...authConfig(),
    devKeyDir: fs.mkdtempSync(path.join(os.tmpdir(), 'keys-')),
    maxTokenLifetimeSeconds: 3600,
  };
  const now = () => Math.floor(Date.now() / 1000);

  async function signed(claims: { iat?: number; exp: number }): Promise<string> {
    const privateKey = await importPKCS8(
      fs.readFileSync(path.join(config.devKeyDir, 'private.pem'), 'utf8'),
      'ES256',
    );
    const jwt = new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setSubject('someone')
      .setExpirationTime(claims.exp);
    if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
    return jwt.sign(privateKey);
  }

  beforeAll(() => ensureDevKeys(config.devKeyDir));

  it('are refused with 401 and a clear message, measured from iat', async () => {
    const token = await signed({ iat: now(), exp: now() + 3601 });
    await expect(createTokenVerifier(config)(`Bearer ${token}`)).rejects.toMatchObject({
      message: expect.stringMatching(/valid for too long: 3601 s .*at most 3600 s/),
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  });

  it('are refused when measured from now, for a token without iat', async () => {
    const token = await signed({ exp: now() + 7200 });
    await expect(createTokenVerifier(config)(`Bearer ${token}`)).rejects.toMatchObject({
      message: expect.stringMatching(/too long.*from now/),
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('accepts a token within the maximum; counts from iat when there is one', async () => {
    const verify = createTokenVerifier(config);
    await expect(
      verify(`Bearer ${await signed({ iat: now(), exp: now() + 3600 })}`),
    ).resolves.toMatchObject({ role: 'admin' });
    // Issued 2 h ago, expiring in 10 min: 2 h 10 min from iat, refused by the iat rule.
    await expect(
      verify(`Bearer ${await signed({ iat: now() - 7200, exp: now() + 600 })}`),
    ).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(verify(`Bearer ${await signed({ exp: now() + 600 })}`)).resolves.toMatchObject({
      role: 'admin',
    });
  });

  it('the default (24 h) accepts the development tokens (8 h)', async () => {
    const defaults = { ...authConfig(), devKeyDir: config.devKeyDir };
    expect(defaults.maxTokenLifetimeSeconds).toBe(86_400);
    const token = await signDevToken({ role: 'analyst' }, defaults);
    await expect(createTokenVerifier(defaults)(`Bearer ${token}`)).resolves.toMatchObject({
      role: 'analyst',
    });
  });
});
