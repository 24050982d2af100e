/**
 * `npm run --silent token -- --role regional-operator --province 32`: prints a development
 * token and nothing else (`--silent` keeps npm's own banner out of `T=$(…)`), signed with the
 * key pair `npm start` created (in AUTH_DEV_KEY_DIR, default `.data/dev-keys`).
 */
import { parseArgs } from 'node:util';
import { authConfig, ensureDevKeys, ROLES, signDevToken, type Role } from '@coop/common';

const USAGE = `Usage: npm run --silent token -- [--role ROLE] [--province CODE] [--librarian ID] [--expires LIFETIME]

Prints a development token (a JWT) for the graph, and nothing else:
  T=$(npm run --silent token -- --role analyst)
  curl -H "authorization: Bearer $T" …   or, in the explorer's Headers tab:
  {"authorization": "Bearer <token>"}

  --role      ${ROLES.join(', ')} (default admin)
  --province  two-digit province code; a regional-operator needs one, e.g. 32
  --librarian the librarian's id (a UUID); a librarian needs one: its token reads that record (me)
  --expires   lifetime, e.g. 1h (default 8h; at most AUTH_MAX_TOKEN_LIFETIME)
  --help      this text

Signed with the development key pair in AUTH_DEV_KEY_DIR (default .data/dev-keys), which
\`npm start\` creates; a graph configured with AUTH_JWKS_URL or AUTH_PUBLIC_KEY refuses these.`;

async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', default: 'admin' },
      province: { type: 'string' },
      librarian: { type: 'string' },
      expires: { type: 'string', default: '8h' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  if (role === 'regional-operator' && !/^\d{2}$/.test(values.province ?? '')) {
    throw new Error('a regional-operator needs --province with a two-digit code, e.g. 32');
  }
  if (role === 'librarian' && !/^[0-9a-f-]{36}$/i.test(values.librarian ?? '')) {
    throw new Error("a librarian needs --librarian with the librarian's id (a UUID)");
  }
  const config = authConfig();
  await ensureDevKeys(config.devKeyDir);
  console.log(
    await signDevToken(
      {
        role,
        provinceCode: values.province,
        librarianId: role === 'librarian' ? values.librarian : undefined,
        expiresIn: values.expires,
      },
      config,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  process.exit(1);
});
