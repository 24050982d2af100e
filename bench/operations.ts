import { print, visit } from 'graphql';
import { contractOperation } from '../contract';

/**
 * The operations users run, as the API contract holds them (contract/operations), with the
 * variables the benchmark sends.
 */
export interface BenchOperation {
  name: 'MyRuns' | 'Dashboard' | 'Agreement' | 'Profile' | 'Verify' | 'ItDashboard';
  query: string;
  variables: Record<string, string>;
}

export interface SampleIds {
  agreementId: string;
  librarianId: string;
  certificateNumber: string;
}

/** MyRuns of the contract: `$provinceCode` (default "32", the contract's office). */
export const MY_RUNS_QUERY = contractOperation('MyRuns').body;
export const DASHBOARD_QUERY = contractOperation('Dashboard').body;
export const AGREEMENT_QUERY = contractOperation('Agreement').body;
export const PROFILE_QUERY = contractOperation('Profile').body;
export const VERIFY_QUERY = contractOperation('Verify').body;
export const IT_DASHBOARD_QUERY = contractOperation('ItDashboard').body;

/**
 * The Profile a regional operator can ask for: `lessonHoursCompleted` sums every province's
 * runs, so only admins may read it (docs/decisions/0005); the rest is the contract's.
 */
export const OPERATOR_PROFILE_QUERY = print(
  visit(contractOperation('Profile').document, {
    Field: (node) => (node.name.value === 'lessonHoursCompleted' ? null : undefined),
  }),
);

export function contractOperations(ids: SampleIds): BenchOperation[] {
  return [
    { name: 'MyRuns', query: MY_RUNS_QUERY, variables: {} },
    { name: 'Dashboard', query: DASHBOARD_QUERY, variables: {} },
    { name: 'Agreement', query: AGREEMENT_QUERY, variables: { id: ids.agreementId } },
    { name: 'Profile', query: PROFILE_QUERY, variables: { id: ids.librarianId } },
    { name: 'Verify', query: VERIFY_QUERY, variables: { n: ids.certificateNumber } },
    { name: 'ItDashboard', query: IT_DASHBOARD_QUERY, variables: {} },
  ];
}

/**
 * A librarian who completed a run and holds a certificate: a Profile with something in every
 * list, and a real certificate number to verify.
 */
export const SAMPLE_IDS_QUERY = `{ programRuns(first: 20, filter: { status: COMPLETED }) { edges { node {
  enrolments(first: 20) { edges { node { participant { id certifications { number } } } } } } } } }`;

interface SampleIdsAnswer {
  programRuns: {
    edges: {
      node: {
        enrolments: {
          edges: { node: { participant: { id: string; certifications: { number: string }[] } } }[];
        };
      };
    }[];
  };
}

export function sampleIdsFrom(answer: unknown, agreementId: string): SampleIds {
  const participants = (answer as SampleIdsAnswer).programRuns.edges.flatMap((run) =>
    run.node.enrolments.edges.map((enrolment) => enrolment.node.participant),
  );
  const certified = participants.find((participant) => participant.certifications.length > 0);
  if (!certified) throw new Error('no certified participant of a completed run in the seed');
  return {
    agreementId,
    librarianId: certified.id,
    certificateNumber: certified.certifications[0]!.number,
  };
}
