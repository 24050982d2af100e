import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1764000000000 implements MigrationInterface {
  name = 'Initial1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE library.agreement (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('MOU', 'PKS')),
        title text NOT NULL CHECK (title <> ''),
        parent_id uuid REFERENCES library.agreement (id),
        signed_on date NOT NULL,
        place text,
        valid_from date NOT NULL,
        valid_until date CHECK (valid_until IS NULL OR valid_until >= valid_from),
        state text NOT NULL CHECK (state IN ('DRAFT', 'SIGNED', 'TERMINATED')),
        scopes text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        CHECK (kind = 'PKS' OR parent_id IS NULL)
      )`);
    await db.query(`CREATE INDEX agreement_parent_id_idx ON library.agreement (parent_id)`);
    await db.query(`CREATE INDEX agreement_kind_idx ON library.agreement (kind, signed_on DESC)`);
    await db.query(`CREATE INDEX agreement_scopes_idx ON library.agreement USING gin (scopes)`);

    await db.query(`
      CREATE TABLE library.agreement_party (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL REFERENCES library.agreement (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position > 0),
        role text NOT NULL CHECK (role IN ('FIRST', 'SECOND', 'THIRD')),
        organization text NOT NULL,
        document_number text,
        signatory_name text,
        signatory_position text,
        province_code char(2),
        UNIQUE (agreement_id, position)
      )`);

    await db.query(`
      CREATE TABLE library.librarian (
        id uuid PRIMARY KEY,
        nip char(18) NOT NULL UNIQUE CHECK (nip ~ '^[0-9]{18}$'),
        name text NOT NULL,
        category text NOT NULL CHECK (category IN ('SKILLED', 'EXPERT')),
        level text NOT NULL CHECK (level IN ('TERAMPIL', 'MAHIR', 'PENYELIA', 'AHLI_PERTAMA',
          'AHLI_MUDA', 'AHLI_MADYA', 'AHLI_UTAMA')),
        grade text NOT NULL,
        employer text NOT NULL,
        province_code char(2) NOT NULL,
        version integer NOT NULL DEFAULT 1
      )`);
    await db.query(
      `CREATE INDEX librarian_province_level_idx ON library.librarian (province_code, level)`,
    );
    await db.query(`CREATE INDEX librarian_name_idx ON library.librarian (name, id)`);

    await db.query(`
      CREATE TABLE library.certification_scheme (
        code text PRIMARY KEY,
        name text NOT NULL,
        standard text NOT NULL
      )`);
    await db.query(`
      CREATE TABLE library.competency_unit (
        scheme_code text NOT NULL REFERENCES library.certification_scheme (code),
        code text NOT NULL,
        title text NOT NULL,
        position integer NOT NULL,
        PRIMARY KEY (scheme_code, code)
      )`);

    await db.query(`
      CREATE TABLE library.certification (
        number text PRIMARY KEY,
        scheme_code text NOT NULL REFERENCES library.certification_scheme (code),
        librarian_id uuid NOT NULL REFERENCES library.librarian (id),
        result text NOT NULL CHECK (result IN ('COMPETENT', 'NOT_YET_COMPETENT')),
        assessed_on date NOT NULL,
        issued_on date,
        expires_on date,
        revoked_on date,
        revocation_reason text,
        run_id uuid,
        CHECK ((result = 'COMPETENT') = (issued_on IS NOT NULL AND expires_on IS NOT NULL))
      )`);
    await db.query(
      `CREATE INDEX certification_librarian_idx ON library.certification (librarian_id)`,
    );
    await db.query(`CREATE INDEX certification_scheme_idx ON library.certification (scheme_code)`);
    await db.query(`CREATE INDEX certification_run_idx ON library.certification (run_id)`);

    await db.query(`
      CREATE TABLE library.facility (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL,
        capacity integer NOT NULL CHECK (capacity > 0),
        address text NOT NULL,
        version integer NOT NULL DEFAULT 1
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'facility',
      'certification',
      'competency_unit',
      'certification_scheme',
      'librarian',
      'agreement_party',
      'agreement',
    ]) {
      await db.query(`DROP TABLE library.${table}`);
    }
  }
}
