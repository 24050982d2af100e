import type { DisclosedPersons, PolicyEvaluators } from '@coop/common';
import type { Context } from './resolvers/context';

/**
 * The national training catalogue is public; its audit trail is for admins, declared in
 * schema.graphql with `@requiresScopes`. No field needs a `@policy`.
 */
export const policies: PolicyEvaluators<Context> = {};

/** bpsdm-central declares no personal field (`@policy`) yet: its disclosure trail stays empty. */
export const persons: DisclosedPersons = {};
