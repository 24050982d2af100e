import { Initial1764000000000 } from './1764000000000-initial';
import { Writes1764100000000 } from './1764100000000-writes';
import { IdempotencyFingerprint1764300000000 } from './1764300000000-idempotency-fingerprint';
import { ProgramInitiative1764412000000 } from './1764412000000-program-initiative';
import { DisclosureTrail1764921000000 } from './1764921000000-disclosure-trail';

/** Every migration of the bpsdm_central schema, oldest first. */
export const migrations = [
  Initial1764000000000,
  Writes1764100000000,
  IdempotencyFingerprint1764300000000,
  ProgramInitiative1764412000000,
  DisclosureTrail1764921000000,
];
