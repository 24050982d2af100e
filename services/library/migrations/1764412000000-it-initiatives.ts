import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scope 4: Perpusnas's national IT services and their rollout per province. The rules of a
 * rollout's numbers (decision 15) are checks here as well as in the write path: PLANNED means
 * no library uses it, and a forum (*forum INLISLite*) needs half of the province's
 * regency/city libraries to use the service.
 */
export class ItInitiatives1764412000000 implements MigrationInterface {
  name = 'ItInitiatives1764412000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE library.it_initiative (
        id uuid PRIMARY KEY,
        code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
        name text NOT NULL CHECK (name <> ''),
        kind text NOT NULL CHECK (kind IN ('LIBRARY_SYSTEM', 'UNION_CATALOGUE', 'DIGITAL_LENDING',
          'E_RESOURCES', 'DIGITAL_HERITAGE')),
        description text NOT NULL,
        url text NOT NULL,
        version integer NOT NULL DEFAULT 1
      )`);
    await db.query(`
      CREATE TABLE library.it_rollout (
        id uuid PRIMARY KEY,
        initiative_code text NOT NULL REFERENCES library.it_initiative (code),
        province_code char(2) NOT NULL,
        status text NOT NULL CHECK (status IN ('PLANNED', 'PILOTING', 'IN_USE')),
        libraries_using integer NOT NULL CHECK (libraries_using >= 0),
        libraries_total integer CHECK (libraries_total > 0 AND libraries_using <= libraries_total),
        has_forum boolean NOT NULL DEFAULT false,
        since date,
        version integer NOT NULL DEFAULT 1,
        UNIQUE (initiative_code, province_code),
        CHECK ((status = 'PLANNED') = (libraries_using = 0)),
        CHECK (NOT has_forum OR (libraries_total IS NOT NULL
          AND libraries_using * 2 >= libraries_total))
      )`);
    // RegionalOffice.itAdoption reads by province; rollouts(filter) by initiative (the unique index).
    await db.query(
      `CREATE INDEX it_rollout_province_idx ON library.it_rollout (province_code, initiative_code)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE library.it_rollout`);
    await db.query(`DROP TABLE library.it_initiative`);
  }
}
