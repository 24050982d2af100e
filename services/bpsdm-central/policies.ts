import { onlyRoles, type PolicyTable } from '@coop/common';
import type { Context } from './resolvers/context';

/** The national training catalogue is public; only its audit trail is for admins. */
export const policies: PolicyTable<Context> = {
  'TrainingProgram.auditTrail': onlyRoles(),
};
