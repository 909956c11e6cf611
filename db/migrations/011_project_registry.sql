-- The registry of public works (pembangunan): what a project is, who runs it, where, for how much and when.
-- Its live figures are series of the project metrics (project_progress, project_progress_plan,
-- project_budget_absorbed) whose entity is the project's id. The owner OPD registers its projects with its
-- ingest key (POST /api/v1/projects); every change is audited.
CREATE TABLE project (
  id             text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:\-/]{0,127}$'),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  opd_code       text NOT NULL REFERENCES opd (code),
  -- Kemendagri code of the kelurahan (or kecamatan) where the works are
  region_code    text REFERENCES region (code),
  -- WGS84 degrees
  lon            double precision CHECK (lon BETWEEN -180 AND 180),
  lat            double precision CHECK (lat BETWEEN -90 AND 90),
  -- IDR (whole rupiah): the contract's value and the budget ceiling (pagu anggaran)
  contract_value numeric(18, 0) NOT NULL CHECK (contract_value >= 0),
  budget         numeric(18, 0) CHECK (budget >= 0),
  -- contract period, calendar dates (WIB), inclusive
  contract_start date NOT NULL,
  contract_end   date NOT NULL,
  class          data_class NOT NULL DEFAULT 'publik',
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (contract_end >= contract_start)
);
CREATE INDEX project_opd_idx ON project (opd_code);
