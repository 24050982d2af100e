import type { Enrolment } from '../entities';
import type { Context } from './context';

export const enrolmentResolvers = {
  run: (enrolment: Enrolment, _: unknown, { loaders }: Context) =>
    loaders.run.load(enrolment.runId),
  /** Owned by library: a reference the gateway resolves there. */
  participant: (enrolment: Enrolment) => ({ id: enrolment.librarianId }),
};
