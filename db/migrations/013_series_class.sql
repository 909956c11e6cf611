-- The class of a series is the stricter of its metric's class and its entity's class. Today the entities that
-- carry a class of their own are the registered projects (migration 011): a project registered as terbatas or
-- rahasia makes every series whose entity is the project's id at least that class, whatever the metric's class.
-- Reads that serve a principal who is not the owner (the public view, open data) select through this view, and
-- the server's access rule (server/access/policy.ts, seriesItem) applies the same rule to what it holds in memory.
-- owner_opd: who may read the series when its class is rahasia: the project's OPD when the project raised the
-- class, else the metric's owner.
CREATE VIEW series_class AS
SELECT s.id AS series_id,
       GREATEST(m.class, COALESCE(p.class, 'publik'::data_class)) AS class,
       CASE WHEN p.class > m.class THEN p.opd_code ELSE m.owner_opd END AS owner_opd
  FROM series s
  JOIN metric m ON m.code = s.metric
  LEFT JOIN project p ON p.id = s.entity;
