import type { PolicyTable } from '@coop/common';
import type { Context } from './resolvers/context';

/** The national training catalogue is public: nothing here is personal. */
export const policies: PolicyTable<Context> = {};
