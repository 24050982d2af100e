import { Initial1764000000000 } from './1764000000000-initial';
import { Writes1764100000000 } from './1764100000000-writes';
import { LibrarianStats1764200000000 } from './1764200000000-librarian-stats';
import { IdempotencyFingerprint1764300000000 } from './1764300000000-idempotency-fingerprint';
import { ItInitiatives1764412000000 } from './1764412000000-it-initiatives';
import { DisclosureTrail1764921000000 } from './1764921000000-disclosure-trail';

/** Every migration of the library schema, oldest first. */
export const migrations = [
  Initial1764000000000,
  Writes1764100000000,
  LibrarianStats1764200000000,
  IdempotencyFingerprint1764300000000,
  ItInitiatives1764412000000,
  DisclosureTrail1764921000000,
];
