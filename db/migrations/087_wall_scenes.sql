-- 087: the wall's scenes as data (issue 17). An admin edits them through PUT /api/v1/admin/scenes (or the CLI
-- `admin scenes import FILE`); the server validates the whole document (shared/scenes.ts plus the catalog's
-- codes) before it is stored, so this table only ever holds a scenes document that the wall can show.
-- One row: the scenes document is edited and validated as a whole (a playlist names scenes of the same document).
-- No row: the operator's WALL_SCENES_FILE, else the built-in scenes, are served (DELETE /api/v1/admin/scenes).
-- versions never repeat, even across a reset and a new save, so a server that polls the version never mistakes
-- a new document for the one it holds
CREATE SEQUENCE wall_scene_version;
CREATE TABLE wall_scene (
  id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  -- the validated scenes document (shared/scenes.ts scenesFileSchema), as the schema's output (defaults filled in)
  document    jsonb NOT NULL,
  -- bumped on every save: the servers of a cluster compare it to know their copy is current
  version     bigint NOT NULL DEFAULT nextval('wall_scene_version'),
  updated_at  timestamptz NOT NULL,
  updated_by  text NOT NULL
);
