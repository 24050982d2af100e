import { isIsoDate, today as todayInJakarta } from './dates';

/**
 * The NIP (*Nomor Induk Pegawai*) of a civil servant, 18 digits that mean something (decision
 * 28): the birth date (YYYYMMDD), the month of appointment as CPNS (TMT CPNS, YYYYMM), the sex
 * (1 male, 2 female) and a serial number (001–999). One check, used by every input that takes a
 * NIP (input-domains.ts for any argument or input field named `nip`, the writes' zod schemas)
 * and by the seed.
 */

/** No civil servant in the register was born before this day. */
export const NIP_EARLIEST_BIRTH = '1940-01-01';

export interface NipParts {
  /** `YYYY-MM-DD`. */
  birthDate: string;
  /** Appointment as CPNS (TMT CPNS), `YYYY-MM`. */
  appointment: string;
  /** 1 male, 2 female. */
  sex: 1 | 2;
  /** 1–999. */
  serial: number;
}

/** The 18 digits of a NIP made of these parts (checked by nipProblem, not here). */
export function composeNip(parts: NipParts): string {
  return [
    parts.birthDate.replaceAll('-', ''),
    parts.appointment.replace('-', ''),
    String(parts.sex),
    String(parts.serial).padStart(3, '0'),
  ].join('');
}

const BIRTH = 'digits 1–8 are the birth date (YYYYMMDD)';
const APPOINTMENT = 'digits 9–14 are the appointment as CPNS (TMT CPNS, YYYYMM)';

/**
 * What is wrong with `nip`, naming the part and what it should be, or null when it is a NIP
 * whose every part holds on `today` (`YYYY-MM-DD`, today in Jakarta unless given). The whole
 * NIP is not repeated: messages end up in logs, and a NIP is personal data.
 */
export function nipProblem(nip: string, today: string = todayInJakarta()): string | null {
  if (!/^\d{18}$/.test(nip)) {
    return `must be the 18 digits of the NIP, without spaces or punctuation (got ${nip.length} character${nip.length === 1 ? '' : 's'}${/^\d*$/.test(nip) ? '' : ', not all digits'})`;
  }
  const birthDate = `${nip.slice(0, 4)}-${nip.slice(4, 6)}-${nip.slice(6, 8)}`;
  if (!isIsoDate(birthDate)) return `${BIRTH}: ${nip.slice(0, 8)} is no calendar date`;
  if (birthDate < NIP_EARLIEST_BIRTH) {
    return `${BIRTH}: ${birthDate} is before ${NIP_EARLIEST_BIRTH}`;
  }
  if (birthDate > today) return `${BIRTH}: ${birthDate} is after today (${today})`;
  const month = nip.slice(12, 14);
  if (month < '01' || month > '12') return `${APPOINTMENT}: month ${month} is not 01–12`;
  const appointment = `${nip.slice(8, 12)}-${month}`;
  const adult = `${Number(nip.slice(0, 4)) + 18}-${nip.slice(4, 6)}`;
  if (appointment < adult) {
    return `${APPOINTMENT}: ${appointment} is before the month of the 18th birthday (${adult})`;
  }
  if (appointment > today.slice(0, 7)) {
    return `${APPOINTMENT}: ${appointment} is after this month (${today.slice(0, 7)})`;
  }
  const sex = nip[14]!;
  if (sex !== '1' && sex !== '2')
    return `digit 15 is the sex (1 male, 2 female): ${sex} is neither`;
  if (nip.endsWith('000')) return 'digits 16–18 are the serial number (001–999): 000 is none';
  return null;
}
