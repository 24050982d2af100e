/**
 * Hive Gateway with its own authorization (generic-auth) reading the owners' @authenticated,
 * @requiresScopes and @policy from our supergraph (issue 20, item 3; decision 26). A token's
 * scopes are its roles; both policies hold for whoever passes their scopes, the row check being
 * the owning subgraph's. The token's signature is verified by every subgraph, as it is behind
 * our gateway; Hive only reads its claims here.
 */
import { defineConfig } from '@graphql-hive/gateway';

type Claims = { roles?: unknown; realm_access?: { roles?: unknown } };

function claimsOf(authorization: string | null): Claims | null {
  const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
  } catch {
    return null;
  }
}

const ROLES = ['admin', 'regional-operator', 'analyst', 'librarian'];

function rolesOf(claims: Claims): string[] {
  const roles = Array.isArray(claims.roles) ? claims.roles : (claims.realm_access?.roles ?? []);
  return (Array.isArray(roles) ? roles : []).filter(
    (role): role is string => typeof role === 'string' && ROLES.includes(role),
  );
}

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get('authorization'),
      'x-gateway-credential': process.env.SUBGRAPH_SECRET ?? null,
    }),
  },
  genericAuth: {
    mode: 'protect-granular',
    // Refused fields are left out and reported; the rest of the answer stands.
    rejectUnauthenticated: false,
    resolveUserFn: (context: { request: Request }) => {
      const claims = claimsOf(context.request.headers.get('authorization'));
      return claims && rolesOf(claims).length ? claims : null;
    },
    // Called for anonymous callers too, with no user.
    extractScopes: (user: Claims | null) => (user ? rolesOf(user) : []),
    extractPolicies: (user: Claims | null) =>
      // A librarian passes too: whether the row is its own is the owning subgraph's check.
      (user ? rolesOf(user) : []).some(
        (role) => role === 'admin' || role === 'regional-operator' || role === 'librarian',
      )
        ? ['personal-data-of-province', 'training-records-of-own-office']
        : [],
  },
});
