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
