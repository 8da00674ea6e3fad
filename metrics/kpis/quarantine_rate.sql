-- name: quarantine_rate
-- title: Quarantine rate
-- unit: ratio
-- direction: lower_is_better
-- owner: Data operations
-- order: 130
-- group: health
-- target: 0.01
-- cohort: loads by the week they started (load_log.started_at in [start, end)), every source
-- description: Share of the records read that were quarantined (broke a contract rule) rather
--   than loaded, over every object of every source's loads. The Data health page breaks it down
--   per source and rule. Loads belong to no application: the department, recruiter and source
--   filters do not apply.
-- numerator: records quarantined
-- denominator: records read (loaded + quarantined)
SELECT
  CAST(date_trunc('week', started_at) AS DATE) AS week,
  sum(quarantined) / nullif(sum(rows_in), 0) AS value,
  count(DISTINCT load_id) AS n,
  sum(quarantined) AS numerator,
  sum(rows_in) AS denominator
FROM load_log
WHERE started_at >= $start AND started_at < $end
GROUP BY GROUPING SETS ((CAST(date_trunc('week', started_at) AS DATE)), ())
ORDER BY week NULLS LAST
