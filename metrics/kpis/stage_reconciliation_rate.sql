-- name: stage_reconciliation_rate
-- title: Stage reconciliation rate
-- unit: ratio
-- direction: lower_is_better
-- owner: Recruiting operations
-- order: 110
-- group: health
-- target: 0.02
-- cohort: stage changes by the week they were made (stage_event.entered_at in [start, end))
-- description: Share of stage changes that were manual corrections: a move by a person (or a
--   source that cannot say who) to a lower canonical stage than the application's previous
--   move, either a reverted move (back to the stage held before a move made at most
--   revert_within_hours earlier) or another backward move (table stage_correction). Exits and
--   automated moves are never corrections. Department, recruiter and source filters apply
--   (through the application).
-- numerator: stage changes that are manual corrections (stage_correction rows)
-- denominator: stage changes (stage_event rows, every system)
WITH changes AS (
  SELECT e.entered_at, c.event_id IS NOT NULL AS corrected
  FROM stage_event AS e
  JOIN application_fact AS f ON f.source = e.source AND f.application_id = e.application_id
  LEFT JOIN stage_correction AS c ON c.source = e.source AND c.event_id = e.source_id
  WHERE e.entered_at >= $start AND e.entered_at < $end
)
SELECT
  CAST(date_trunc('week', entered_at) AS DATE) AS week,
  count(*) FILTER (WHERE corrected) / nullif(count(*), 0) AS value,
  count(*) AS n,
  count(*) FILTER (WHERE corrected) AS numerator,
  count(*) AS denominator
FROM changes
GROUP BY GROUPING SETS ((CAST(date_trunc('week', entered_at) AS DATE)), ())
ORDER BY week NULLS LAST
