import { insertRows, stableId, type ScalePlan } from '@coop/common';
import type { DataSource } from 'typeorm';
import { AGREEMENTS, FACILITIES, regionalAgreements, SCHEMES } from './facts';
import { certificationRows, librarianRows } from './generate';
import { IT_INITIATIVES, itRolloutRows } from './it';

type Progress = (message: string) => void;

/**
 * Seeds the library schema: the real agreements, schemes, facilities and IT initiatives (with
 * generated rollouts), then generated librarians and certifications. Idempotent: rows that exist are left as they are.
 */
export async function seedLibrary(
  dataSource: DataSource,
  plan: ScalePlan,
  progress: Progress = () => undefined,
): Promise<void> {
  await dataSource.transaction(async (db) => {
    const agreements = [...AGREEMENTS, ...regionalAgreements()];
    await insertRows(
      db,
      'library.agreement',
      [
        'id',
        'kind',
        'title',
        'parent_id',
        'signed_on',
        'place',
        'valid_from',
        'valid_until',
        'state',
        'scopes',
      ],
      agreements.map((a) => [
        a.id,
        a.kind,
        a.title,
        a.parentId,
        a.signedOn,
        a.place,
        a.validFrom,
        a.validUntil,
        a.state,
        a.scopes,
      ]),
    );
    await insertRows(
      db,
      'library.agreement_party',
      [
        'id',
        'agreement_id',
        'position',
        'role',
        'organization',
        'document_number',
        'signatory_name',
        'signatory_position',
        'province_code',
      ],
      agreements.flatMap((a) =>
        a.parties.map((p, index) => [
          stableId('agreement-party', `${a.id}:${index}`),
          a.id,
          index + 1,
          p.role,
          p.organization,
          p.documentNumber,
          p.signatoryName,
          p.signatoryPosition,
          p.provinceCode,
        ]),
      ),
    );
    await insertRows(
      db,
      'library.certification_scheme',
      ['code', 'name', 'standard'],
      SCHEMES.map((s) => [s.code, s.name, s.standard]),
    );
    await insertRows(
      db,
      'library.competency_unit',
      ['scheme_code', 'code', 'title', 'position'],
      SCHEMES.flatMap((s) =>
        s.units.map((title, index) => [
          s.code,
          `${s.code}.${String(index + 1).padStart(2, '0')}`,
          title,
          index + 1,
        ]),
      ),
    );
    await insertRows(
      db,
      'library.facility',
      ['id', 'name', 'kind', 'capacity', 'address'],
      FACILITIES.map((f) => [f.id, f.name, f.kind, f.capacity, f.address]),
    );
    await insertRows(
      db,
      'library.it_initiative',
      ['id', 'code', 'name', 'kind', 'description', 'url'],
      IT_INITIATIVES.map((i) => [
        stableId('it-initiative', i.code),
        i.code,
        i.name,
        i.kind,
        i.description,
        i.url,
      ]),
    );
    const rollouts = itRolloutRows();
    await insertRows(
      db,
      'library.it_rollout',
      [
        'id',
        'initiative_code',
        'province_code',
        'status',
        'libraries_using',
        'libraries_total',
        'has_forum',
        'since',
      ],
      rollouts.map((r) => [
        r.id,
        r.initiativeCode,
        r.provinceCode,
        r.status,
        r.librariesUsing,
        r.librariesTotal,
        r.hasForum,
        r.since,
      ]),
    );
    progress(
      `library: ${agreements.length} agreements, ${SCHEMES.length} schemes, ${FACILITIES.length} facilities, ${IT_INITIATIVES.length} IT initiatives in ${rollouts.length} rollouts`,
    );
    await insertRows(
      db,
      'library.librarian',
      ['id', 'nip', 'name', 'category', 'level', 'grade', 'employer', 'province_code'],
      librarianRows(plan),
    );
    progress(`library: ${plan.librarians} librarians`);
    await insertRows(
      db,
      'library.certification',
      [
        'number',
        'scheme_code',
        'librarian_id',
        'result',
        'assessed_on',
        'issued_on',
        'expires_on',
        'revoked_on',
        'revocation_reason',
        'run_id',
      ],
      certificationRows(plan),
    );
    progress(`library: ${plan.certifications} certifications`);
  });
}
