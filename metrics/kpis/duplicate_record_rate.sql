-- name: duplicate_record_rate
-- title: Duplicate record rate
-- unit: ratio
-- direction: lower_is_better
-- owner: Recruiting operations
-- order: 90
-- group: health
-- target: 0.05
-- cohort: candidate records by the week they were created (identity_link.created_at in [start, end))
-- description: Candidate records that are not the first record of their person, over all candidate
--   records: (records - persons) / records, where persons are the distinct resolved persons of the
--   records in the cohort (identity resolution, auto and decided links; review pairs not merged).
--   A person whose records were created in different weeks counts once in each week.
-- numerator: candidate records minus the distinct persons they resolve to
-- denominator: candidate records
SELECT
  CAST(date_trunc('week', created_at) AS DATE) AS week,
  (count(*) - count(DISTINCT person_id)) / nullif(count(*), 0) AS value,
  count(*) AS n,
  count(*) - count(DISTINCT person_id) AS numerator,
  count(*) AS denominator
FROM identity_link
WHERE created_at >= $start AND created_at < $end
GROUP BY GROUPING SETS ((CAST(date_trunc('week', created_at) AS DATE)), ())
ORDER BY week NULLS LAST
