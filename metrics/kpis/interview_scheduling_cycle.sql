-- name: interview_scheduling_cycle
-- title: Interview scheduling cycle
-- unit: hours
-- direction: lower_is_better
-- owner: Recruiting coordinators
-- order: 12
-- headline: no
-- group: velocity
-- target: 48
-- cohort: interviews by the week their invite was sent (invite_sent_at in [start, end));
--   the records every system holds of one interview are merged (interview_fact)
-- description: Hours from the interview invite being sent to the candidate's slot being
--   confirmed, per interview. value and p90 are the median and 90th percentile (continuous,
--   interpolated) over confirmed interviews; a confirmation recorded before the invite counts
--   as 0 h. share_within_target counts an unconfirmed invite as outside once its target time
--   has passed, and leaves it out before that. Interviews no system dated the invite of
--   (Calendly bookings) have no cycle and are not in the cohort.
-- numerator: interviews confirmed within the target
-- denominator: interviews confirmed within the target, plus invites whose target time has passed
WITH cohort AS (
  SELECT
    i.application_key,
    i.interview_key,
    CAST(date_trunc('week', i.invite_sent_at) AS DATE) AS week,
    CASE WHEN i.slot_confirmed_at < i.invite_sent_at THEN 0.0 ELSE (epoch(i.slot_confirmed_at) - epoch(i.invite_sent_at)) / 3600.0 END AS duration,
    coalesce(CASE WHEN i.slot_confirmed_at < i.invite_sent_at THEN 0.0 ELSE (epoch(i.slot_confirmed_at) - epoch(i.invite_sent_at)) / 3600.0 END <= $target, FALSE) AS in_numerator,
    coalesce(CASE WHEN i.slot_confirmed_at < i.invite_sent_at THEN 0.0 ELSE (epoch(i.slot_confirmed_at) - epoch(i.invite_sent_at)) / 3600.0 END <= $target, FALSE)
      OR (epoch($as_of) - epoch(i.invite_sent_at)) / 3600.0 > $target AS in_denominator
  FROM interview_fact AS i
  JOIN application_fact AS a ON a.application_key = i.application_key
  WHERE i.invite_sent_at >= $start AND i.invite_sent_at < $end
)
SELECT
  week,
  quantile_cont(duration, 0.5) AS value,
  quantile_cont(duration, 0.9) AS p90,
  count(*) AS n,
  count(duration) AS confirmed,
  count(*) FILTER (WHERE in_numerator) AS numerator,
  count(*) FILTER (WHERE in_denominator) AS denominator,
  count(*) FILTER (WHERE in_numerator) / nullif(count(*) FILTER (WHERE in_denominator), 0) AS share_within_target
FROM cohort
GROUP BY GROUPING SETS ((week), ())
ORDER BY week NULLS LAST
