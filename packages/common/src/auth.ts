import fs from 'node:fs';
import path from 'node:path';
import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import { intFromEnv } from './config';
import { log } from './log';
import {
  createRemoteJWKSet,
  errors,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';

/**
 * Roles a token may carry, most powerful first. A `librarian` is the data subject (UU 27/2022):
 * its token names the librarian it is (`librarianId`), and it reads that librarian's own record.
 */
export const ROLES = ['admin', 'regional-operator', 'analyst', 'librarian'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking: from a verified token, or anonymous when the request carries none. */
export interface Viewer {
  /** Null for an anonymous request, or a token that carries no role of this graph. */
  role: Role | null;
  authenticated: boolean;
  /** The province a `regional-operator` works for. */
  provinceCode: string | null;
  subject: string | null;
  /** The librarian a `librarian` token names (its `librarianId` claim); null for every other caller. */
  librarianId?: string | null;
}

export const ANONYMOUS: Viewer = {
  role: null,
  authenticated: false,
  provinceCode: null,
  subject: null,
  librarianId: null,
};

export interface AuthConfig {
  issuer: string;
  audience: string;
  /** Production: the identity provider's key set (e.g. Keycloak's `/protocol/openid-connect/certs`). */
  jwksUrl?: string;
  /** Production without JWKS: the provider's public key, PEM (SPKI). */
  publicKeyPem?: string;
  publicKeyAlgorithm: string;
  /** Development: where `npm start` keeps the key pair it creates on first start. */
  devKeyDir: string;
  /** Longest lifetime a token may have, in seconds (exp − iat, or exp − now without iat). */
  maxTokenLifetimeSeconds: number;
}

const DEV_ALGORITHM = 'ES256';
const ROOT = path.resolve(__dirname, '..', '..', '..');

export function authConfig(): AuthConfig {
  return {
    issuer: process.env.AUTH_ISSUER || 'perpusnas-bpsdm-dev',
    audience: process.env.AUTH_AUDIENCE || 'perpusnas-bpsdm-graph',
    jwksUrl: process.env.AUTH_JWKS_URL || undefined,
    publicKeyPem: process.env.AUTH_PUBLIC_KEY || undefined,
    publicKeyAlgorithm: process.env.AUTH_PUBLIC_KEY_ALG || 'RS256',
    devKeyDir: path.resolve(ROOT, process.env.AUTH_DEV_KEY_DIR || '.data/dev-keys'),
    maxTokenLifetimeSeconds: intFromEnv('AUTH_MAX_TOKEN_LIFETIME', 86_400),
  };
}

export function usesDevKeys(config: AuthConfig): boolean {
  return !config.jwksUrl && !config.publicKeyPem;
}

/** Creates the development key pair once; later starts reuse it so tokens stay valid. */
export async function ensureDevKeys(dir: string): Promise<void> {
  if (fs.existsSync(path.join(dir, 'private.pem'))) return;
  const { privateKey, publicKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'public.pem'), await exportSPKI(publicKey));
  fs.writeFileSync(path.join(dir, 'private.pem'), await exportPKCS8(privateKey), { mode: 0o600 });
}

export interface TokenClaims {
  role: Role;
  provinceCode?: string;
  subject?: string;
  /** The librarian a `librarian` token names. */
  librarianId?: string;
  /** Lifetime, e.g. `8h`, or an absolute expiry in seconds since the epoch. */
  expiresIn?: string | number;
}

/** Signs a development token with the key pair in `config.devKeyDir`. */
export async function signDevToken(claims: TokenClaims, config = authConfig()): Promise<string> {
  const privateKey = await importPKCS8(
    fs.readFileSync(path.join(config.devKeyDir, 'private.pem'), 'utf8'),
    DEV_ALGORITHM,
  );
  const jwt = new SignJWT({
    roles: [claims.role],
    ...(claims.provinceCode ? { provinceCode: claims.provinceCode } : {}),
    ...(claims.librarianId ? { librarianId: claims.librarianId } : {}),
  })
    .setProtectedHeader({ alg: DEV_ALGORITHM })
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setSubject(
      claims.subject ??
        (claims.librarianId ? `dev-librarian-${claims.librarianId}` : `dev-${claims.role}`),
    )
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '8h');
  return jwt.sign(privateKey);
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

/** Roles from our own `roles`/`role` claims or from Keycloak's `realm_access.roles`. */
function rolesOf(payload: JWTPayload): string[] {
  const realm = (payload.realm_access as { roles?: unknown } | undefined)?.roles;
  const candidates = [payload.roles, payload.role, realm].flat();
  return candidates.filter((value): value is string => typeof value === 'string');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function viewerFromClaims(payload: JWTPayload): Viewer {
  const roles = rolesOf(payload);
  const role = ROLES.find((known) => roles.includes(known)) ?? null;
  const province = payload.provinceCode ?? payload.province_code;
  const provinceCode = typeof province === 'string' ? province : null;
  if (role === 'regional-operator' && !(provinceCode && /^\d{2}$/.test(provinceCode))) {
    throw unauthenticated('A regional-operator token must carry a two-digit provinceCode claim');
  }
  const claimed = payload.librarianId ?? payload.librarian_id;
  const librarianId = typeof claimed === 'string' ? claimed.toLowerCase() : null;
  if (role === 'librarian' && !(librarianId && UUID.test(librarianId))) {
    throw unauthenticated("A librarian token must carry a librarianId claim: the librarian's id");
  }
  return {
    role,
    authenticated: true,
    provinceCode: role === 'regional-operator' ? provinceCode : null,
    subject: payload.sub ?? null,
    librarianId: role === 'librarian' ? librarianId : null,
  };
}

/**
 * Verifies the `Authorization: Bearer <JWT>` header of a request: signature, expiry, issuer and
 * audience. No header means an anonymous viewer; a bad token is refused, never downgraded.
 */
export function createTokenVerifier(config = authConfig()) {
  let key: Promise<KeyLike | JWTVerifyGetKey> | undefined;
  // A token verified once is remembered until it expires: every hop of every request carries
  // the same token, and checking its signature again would change nothing.
  const verified = new LRUCache<string, Viewer>({ max: intFromEnv('TOKEN_CACHE_SIZE', 10_000) });
  // A token without an expiry would be valid for ever: refused.
  const expected = { issuer: config.issuer, audience: config.audience, requiredClaims: ['exp'] };
  const resolveKey = async (): Promise<KeyLike | JWTVerifyGetKey> => {
    if (config.jwksUrl) return createRemoteJWKSet(new URL(config.jwksUrl));
    if (config.publicKeyPem) return importSPKI(config.publicKeyPem, config.publicKeyAlgorithm);
    const file = path.join(config.devKeyDir, 'public.pem');
    return importSPKI(await fs.promises.readFile(file, 'utf8'), DEV_ALGORITHM);
  };

  return async function verify(authorization: string | undefined): Promise<Viewer> {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    const known = verified.get(token);
    if (known) return known;
    key ??= resolveKey();
    let verifyWith: KeyLike | JWTVerifyGetKey;
    try {
      verifyWith = await key;
    } catch (error) {
      key = undefined; // try again on the next request: the key may be configured by then
      log.error('token key unavailable', { reason: String(error) });
      throw new GraphQLError(
        'This service cannot verify tokens: it has no key (set AUTH_JWKS_URL or AUTH_PUBLIC_KEY)',
        {
          extensions: { code: 'AUTH_NOT_CONFIGURED', http: { status: 503 }, reason: String(error) },
        },
      );
    }
    try {
      const { payload } =
        typeof verifyWith === 'function'
          ? await jwtVerify(token, verifyWith, expected)
          : await jwtVerify(token, verifyWith, expected);
      // A token valid for too long is as good as one without an expiry: refused.
      const exp = payload.exp as number;
      const issued = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
      const lifetime = exp - issued;
      if (config.maxTokenLifetimeSeconds > 0 && lifetime > config.maxTokenLifetimeSeconds) {
        throw unauthenticated(
          `The token is valid for too long: ${lifetime} s from ${typeof payload.iat === 'number' ? 'its issue (iat)' : 'now'} to its expiry; at most ${config.maxTokenLifetimeSeconds} s are accepted`,
        );
      }
      const viewer = viewerFromClaims(payload);
      const lifetimeMs = typeof payload.exp === 'number' ? payload.exp * 1000 - Date.now() : 0;
      if (lifetimeMs > 0) verified.set(token, viewer, { ttl: lifetimeMs });
      return viewer;
    } catch (error) {
      if (error instanceof GraphQLError) throw error;
      if (error instanceof errors.JWTExpired) throw unauthenticated('The token has expired');
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp') {
        throw unauthenticated('The token must say when it expires (an "exp" claim)');
      }
      if (error instanceof errors.JWTClaimValidationFailed) {
        throw unauthenticated(`The token is not for this graph: ${error.message}`);
      }
      throw unauthenticated('The token is invalid: its signature or format does not verify');
    }
  };
}
