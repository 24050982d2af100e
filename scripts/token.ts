/**
 * `npm run token -- --role regional-operator --province 32`: prints a development token, signed
 * with the key pair `npm start` created (in AUTH_DEV_KEY_DIR, default `.data/dev-keys`).
 * Roles: admin, regional-operator (needs --province), analyst. `--expires 1h` sets its lifetime.
 */
import { parseArgs } from 'node:util';
import { authConfig, ensureDevKeys, ROLES, signDevToken, type Role } from '@coop/common';

async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', default: 'admin' },
      province: { type: 'string' },
      expires: { type: 'string', default: '8h' },
    },
  });
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  if (role === 'regional-operator' && !/^\d{2}$/.test(values.province ?? '')) {
    throw new Error('a regional-operator needs --province with a two-digit code, e.g. 32');
  }
  const config = authConfig();
  await ensureDevKeys(config.devKeyDir);
  console.log(
    await signDevToken({ role, provinceCode: values.province, expiresIn: values.expires }, config),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
