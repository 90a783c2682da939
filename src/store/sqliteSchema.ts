/** Schema of the embedded store. Bump SCHEMA_VERSION and add a migration step when it changes. */
export const SCHEMA_VERSION = 4;

export const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE jobs (
      id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      spec TEXT NOT NULL,
      repo TEXT NOT NULL,
      base_ref TEXT,
      branch TEXT NOT NULL,
      agent TEXT NOT NULL,
      commit_sha TEXT,
      created_at TEXT NOT NULL,
      started_at TEXT,
      finished_at TEXT,
      duration_ms INTEGER,
      exit_code INTEGER,
      error_kind TEXT,
      error_message TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      runner_id TEXT,
      cost_usd REAL,
      turns INTEGER,
      pr_url TEXT,
      phase TEXT,
      cancel_requested INTEGER NOT NULL DEFAULT 0,
      lease_until INTEGER
    );
    CREATE INDEX jobs_status ON jobs (status, id);
    CREATE INDEX jobs_repo ON jobs (repo, id);
    CREATE TABLE job_output (
      job_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      ts TEXT NOT NULL,
      stream TEXT NOT NULL,
      type TEXT,
      line TEXT NOT NULL,
      data TEXT,
      PRIMARY KEY (job_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE runners (
      id TEXT PRIMARY KEY,
      info TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );
  `,
  2: `ALTER TABLE jobs ADD COLUMN source TEXT;`,
  3: `ALTER TABLE jobs ADD COLUMN verdict TEXT; ALTER TABLE jobs ADD COLUMN findings TEXT;`,
  4: `
    ALTER TABLE jobs ADD COLUMN input_tokens INTEGER;
    ALTER TABLE jobs ADD COLUMN cached_input_tokens INTEGER;
    ALTER TABLE jobs ADD COLUMN output_tokens INTEGER;
  `,
};
