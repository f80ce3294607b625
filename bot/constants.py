"""Action, callback and block IDs: the names Slack sends back when someone clicks or submits."""

from __future__ import annotations

# Buttons under an answer (FEEDBACK: Slack's feedback_buttons, values "helpful:ID" /
# "not_helpful:ID").
FEEDBACK = "answer_feedback"
VIDEO_REPLY = "video_reply"
SHARE_ANSWER = "share_answer"  # under an ephemeral /ask-<name> answer

# The comms review message.
APPROVE = "approval_approve"
EDIT_APPROVE = "approval_edit"
REJECT = "approval_reject"
VIEW_DRAFT = "approval_view_draft"  # on a card whose draft cites restricted documents

# Corpus admin: the buttons offered for an uploaded file.
INGEST_FILE = "ingest_file"
IGNORE_FILE = "ignore_file"

# Modals (callback IDs) and their inputs (block ID, action ID).
FEEDBACK_MODAL = "feedback_comment"
FEEDBACK_COMMENT = ("comment", "text")
EDIT_MODAL = "approval_edit_modal"
EDIT_TEXT = ("answer", "text")  # the first part; a long draft has "answer-2", "answer-3", ...
REJECT_MODAL = "approval_reject_modal"
DRAFT_MODAL = "approval_draft_modal"
REJECT_REASON = ("reason", "text")
INGEST_MODAL = "ingest_modal"
INGEST_AUDIENCE = ("audience", "groups")
INGEST_KIND = ("kind", "choice")

# Metadata event type on answer messages (lets a thread be recognised as the twin's).
ANSWER_EVENT = "twin_answer"

# The bot scopes an OAuth install asks for: exactly deploy/slack/manifest.yaml's (a test
# checks), which the Web API calls the bot makes need.
BOT_SCOPES = (
    "app_mentions:read",
    "assistant:write",
    "channels:history",
    "groups:history",
    "im:history",
    "chat:write",
    "commands",
    "files:read",
    "files:write",
    "users:read",
    "usergroups:read",
)
