-- Human names first: an OPD may register only the name of an entity that has no line on the map (a gauge, a
-- container, a truck), so the wall and the tablet say "Rumah Pompa Kali Banger" before "PA-BANGER". The path
-- stays required for nothing but drawing; the API still requires a name or a path.
ALTER TABLE entity_geometry ALTER COLUMN path DROP NOT NULL;
ALTER TABLE entity_geometry ADD CONSTRAINT entity_geometry_name_or_path CHECK (name IS NOT NULL OR path IS NOT NULL);
COMMENT ON COLUMN entity_geometry.name IS 'display name of the entity (a station, a road, a TPS), shown before its code';
