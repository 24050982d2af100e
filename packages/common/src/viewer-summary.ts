import type { Viewer } from './auth';
import { provinces } from './provinces';

/** A province as people name it: `32 (Jawa Barat)`, or the bare code when it is not known. */
export function provinceLabel(code: string): string {
  const name = provinces().find((province) => province.code === code)?.name;
  return name ? `${code} (${name})` : code;
}

const PUBLIC_DATA =
  'public data: agreements (MoU, PKS), the training catalogue, regional offices and their runs, certification schemes, facilities, IT initiatives and their adoption';
const CERTIFICATE_CHECK = "certificate checks (verifyCertificate), the holder's name masked";
const STATISTICS =
  'statistics of every province and the nation (training, librarians), with small groups withheld (disclosure control)';
const REGISTER = 'the librarian register without personal data (level, category, province)';

/**
 * What `viewer` may read, in words, widest last: what `Query.viewer { mayRead }` answers and the
 * explorer's hints repeat. The rules themselves are the owners' declarations; this only names
 * their reach for one caller.
 */
export function mayReadOf(viewer: Viewer): string[] {
  const anyone = [PUBLIC_DATA, CERTIFICATE_CHECK];
  if (!viewer.role) return anyone;
  const anyRole = [...anyone, STATISTICS, REGISTER];
  if (viewer.role === 'analyst') return anyRole;
  if (viewer.role === 'librarian') {
    return [
      ...anyRole,
      "its own record (me): identity, NIP, assessments and certificates, enrolments and lesson hours; no other librarian's personal data",
    ];
  }
  if (viewer.role === 'regional-operator') {
    const province = provinceLabel(viewer.provinceCode ?? '');
    return [
      ...anyRole,
      `personal data of province ${province}: its librarians' names, NIPs and certifications (also by NIP), its office's participants and results`,
      `the enrolments of librarians in the runs of province ${province}'s office`,
    ];
  }
  return [
    ...anyRole,
    'personal data of every province',
    "each librarian's lesson hours over every province (lessonHoursCompleted)",
    'audit trails: who changed what, when',
  ];
}

/** What `viewer` may change, in words: `Query.viewer { mayChange }`. */
export function mayChangeOf(viewer: Viewer): string[] {
  if (viewer.role === 'admin') {
    return [
      "Perpusnas's data: agreements, librarians, assessments and certificates, facilities, IT initiatives and rollouts",
      'the national training catalogue (programs and their modules)',
      "every regional office's training: runs, enrolments, results, facility bookings",
    ];
  }
  if (viewer.role === 'regional-operator') {
    const province = provinceLabel(viewer.provinceCode ?? '');
    return [
      `the training of province ${province}'s office: plan and move its runs, enrol its librarians, record results, book facilities`,
    ];
  }
  return [];
}
