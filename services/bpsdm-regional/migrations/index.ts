import { Initial1764000000000 } from './1764000000000-initial';

/** Every migration of the bpsdm_regional schema, oldest first. */
export const migrations = [Initial1764000000000];
