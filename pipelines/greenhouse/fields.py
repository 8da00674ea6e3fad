"""Where each canonical field sits in a Greenhouse Harvest record (explicit schemas, no inference).

Shapes follow the Harvest v1 objects: candidate, application, job, job_stage,
scheduled_interview, offer, the activity feed's emails and notes, and the stage history table
in the shape connectors land it (application_id, updated_at, _fivetran_synced, new_stage_id,
new_status).
"""

from __future__ import annotations

from pipelines.readers import Field as F

CANDIDATE = [
    F("source_id", "$.id"),
    F("first_name", "$.first_name"),
    F("last_name", "$.last_name"),
    F("company", "$.company"),
    F("emails", "$.email_addresses[*].value", "list[str]"),
    F("phones", "$.phone_numbers[*].value", "list[str]"),
    F("location", "$.addresses[0].value"),
    F("social_url", "$.social_media_addresses[0].value"),
    F("website_url", "$.website_addresses[0].value"),
    F("created_at", "$.created_at", "timestamp"),
    F("updated_at", "$.updated_at", "timestamp"),
]

JOB = [
    F("source_id", "$.id"),
    F("title", "$.name"),
    F("requisition_id", "$.requisition_id"),
    F("department", "$.departments[0].name"),
    F("office", "$.offices[0].name"),
    F("status", "$.status"),
    F("recruiter_names", "$.hiring_team.recruiters[*].name", "list[str]"),
    F("recruiter_responsible", "$.hiring_team.recruiters[*].responsible", "list[str]"),
    F("hiring_manager", "$.hiring_team.hiring_managers[0].name"),
    F("openings_json", "$.openings", "json"),
    F("opened_at", "$.opened_at", "timestamp"),
    F("closed_at", "$.closed_at", "timestamp"),
]

JOB_STAGE = [
    F("source_id", "$.id"),
    F("job_id", "$.job_id"),
    F("name", "$.name"),
    F("priority", "$.priority", "int"),
]

APPLICATION = [
    F("source_id", "$.id"),
    F("candidate_id", "$.candidate_id"),
    F("prospect", "$.prospect", "bool"),
    F("job_id", "$.jobs[0].id"),
    F("job_count", "$.jobs", "json"),
    F("applied_at", "$.applied_at", "timestamp"),
    F("rejected_at", "$.rejected_at", "timestamp"),
    F("channel", "$.source.public_name"),
    F("recruiter", "$.recruiter.name"),
    F("coordinator", "$.coordinator.name"),
    F("source_status", "$.status"),
    F("source_stage", "$.current_stage.name"),
    F("rejection_reason", "$.rejection_reason.name"),
    F("rejection_type", "$.rejection_reason.type.name"),
]

STAGE_HISTORY = [
    F("application_id", "$.application_id"),
    F("updated_at", "$.updated_at", "timestamp"),
    F("new_stage_id", "$.new_stage_id"),
    F("new_status", "$.new_status"),
]

SCHEDULED_INTERVIEW = [
    F("source_id", "$.id"),
    F("application_id", "$.application_id"),
    F("external_event_id", "$.external_event_id"),
    F("title", "$.interview.name"),
    F("invite_sent_at", "$.created_at", "timestamp"),
    F("start_at", "$.start.date_time", "timestamp"),
    F("start_date", "$.start.date", "timestamp"),
    F("end_at", "$.end.date_time", "timestamp"),
    F("status", "$.status"),
    F("organizer", "$.organizer.name"),
]

OFFER = [
    F("source_id", "$.id"),
    F("application_id", "$.application_id"),
    F("version", "$.version", "int"),
    F("created_at", "$.created_at", "timestamp"),
    F("sent_at", "$.sent_at", "timestamp"),
    F("resolved_at", "$.resolved_at", "timestamp"),
    F("starts_on", "$.starts_at", "date"),
    F("source_status", "$.status"),
]

EMAIL = [
    F("source_id", "$.id"),
    F("sent_at", "$.created_at", "timestamp"),
    F("subject", "$.subject"),
    F("sender", "$.from"),
    F("recipient", "$.to"),
    F("user_name", "$.user.name"),
]

NOTE = [
    F("source_id", "$.id"),
    F("sent_at", "$.created_at", "timestamp"),
    F("user_name", "$.user.name"),
]
