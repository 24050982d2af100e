import { randomInt } from 'node:crypto';
import { composeNip } from '@coop/common';

/**
 * A valid NIP that no seeded librarian has (born in the 1950s; the seed's are born 1965 or
 * later), drawn at random so that tests registering librarians side by side do not collide.
 */
export function freshNip(): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + randomInt(3652) * 86_400_000);
  const birthDate = birth.toISOString().slice(0, 10);
  return composeNip({
    birthDate,
    appointment: `${birth.getUTCFullYear() + 22}-${birthDate.slice(5, 7)}`,
    sex: randomInt(2) === 0 ? 1 : 2,
    serial: 1 + randomInt(999),
  });
}
