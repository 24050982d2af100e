import { Initial1764000000000 } from './1764000000000-initial';
import { Writes1764100000000 } from './1764100000000-writes';
import { TrainingStats1764200000000 } from './1764200000000-training-stats';
import { IdempotencyFingerprint1764300000000 } from './1764300000000-idempotency-fingerprint';
import { Lifecycle1764400000000 } from './1764400000000-lifecycle';
import { ChangeVersions1764500000000 } from './1764500000000-change-versions';
import { TrainingPersons1764600000000 } from './1764600000000-training-persons';
import { DisclosureTrail1764921000000 } from './1764921000000-disclosure-trail';

/** Every migration of the bpsdm_regional schema, oldest first. */
export const migrations = [
  Initial1764000000000,
  Writes1764100000000,
  TrainingStats1764200000000,
  IdempotencyFingerprint1764300000000,
  Lifecycle1764400000000,
  ChangeVersions1764500000000,
  TrainingPersons1764600000000,
  DisclosureTrail1764921000000,
];
