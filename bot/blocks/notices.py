"""The short messages the twin posts about an answer (not the answer itself)."""

from __future__ import annotations

from bot.mrkdwn import escape

_CHECK = (
    ":hourglass_flowing_sand: This question needs a check by the comms team before I answer it."
)

REVIEW = f"{_CHECK} I sent it to them for review and will post the answer here once it's approved."
REVIEW_DM = (
    f"{_CHECK} I sent it to them for review and will send you the answer in a direct message "
    "once it's approved."
)
REVIEW_UNAVAILABLE = (
    ":hourglass_flowing_sand: This question needs a check by the comms team before I answer it, "
    "but no review channel is set up. Please ask an admin."
)
APPROVED = ":white_check_mark: The comms team approved the answer below."
REJECTED = (
    ":no_entry: The comms team reviewed this question and decided I shouldn't answer it here. "
    "Sorry about that: please reach out to them or your manager directly."
)
RESTRICTED = (
    ":lock: Only you can see this answer: it draws on documents that not everyone in this "
    "channel may read."
)
NOT_APPROVER = ":no_entry_sign: Only the comms approvers can decide on this answer."
NOT_ADMIN = ":no_entry_sign: Only twin admins can change what the twin knows."
VIDEO_DISABLED = ":movie_camera: Video replies are not enabled in this workspace yet."
VIDEO_SHORTENED = " The answer is long, so the video says a shortened version."
VIDEO_ALREADY = ":movie_camera: A video reply for this answer is already on its way."
VIDEO_RESTRICTED = (
    ":lock: This answer draws on restricted documents, so I won't post a video of it here."
)
SHARE_RESTRICTED = (
    ":lock: This answer draws on documents that not everyone here may read, so it can't be "
    "shared in the channel."
)
THANKS = "Thanks for the feedback!"
THINKING = "_Thinking…_"
# The thread's status while the twin works (assistant.threads.setStatus, in every thread).
STATUS = "is thinking…"
LOADING = (
    "Looking through the memos and meetings…",
    "Writing the answer…",
    "Checking each sentence against its sources…",
)


def rate_limited(wait_s: int) -> str:
    return (
        ":turtle: You're asking faster than I can keep up. Please wait about "
        f"{wait_s} seconds and ask again."
    )


def already_decided(status: str, by: str | None) -> str:
    return f"This answer was already {status} by <@{by}>."


def rejection(reason: str) -> str:
    return f"{REJECTED}\n>{escape(reason)}" if reason.strip() else REJECTED


def reminder(approval_id: int, user: str, waited_s: float) -> str:
    return (
        f":alarm_clock: Review #{approval_id} (a question from <@{user}>) has been waiting "
        f"for {_waited(waited_s)}. Please approve, edit or reject it."
    )


def video_unavailable(reason: str) -> str:
    return f":movie_camera: Video replies are not available right now: {reason}"


def video_started(user: str) -> str:
    return f":movie_camera: Making a video reply for <@{user}>… it takes a minute or two."


def video_ready(user: str) -> str:
    return f":movie_camera: The video reply for <@{user}> is below."


def video_failed(error: str) -> str:
    return f":movie_camera: Sorry, the video reply could not be made ({error})."


DRAFT_HIDDEN = (
    ":lock: The draft cites restricted documents, so it is not shown here. Approvers who may "
    "read every cited document can open it with *View draft*."
)
NOT_CLEARED = (
    ":lock: This draft cites documents you may not read, so you can't see or approve it. "
    "An approver who may read them has to decide."
)
STILL_WAITING = (
    ":hourglass: Your question is still waiting for the comms team. I've reminded them; "
    "I'll post the answer as soon as it's approved."
)


def approved_by(by: str, edited: bool) -> str:
    """The line under an approved answer: who approved it and whether comms edited it."""
    edit = " It was edited by comms before posting." if edited else ""
    return f":white_check_mark: Approved by <@{by}> of the comms team.{edit}"


def approved_notice(by: str, by_dm: bool) -> str:
    where = "I sent you the answer in a direct message" if by_dm else "The answer is below"
    return f":white_check_mark: <@{by}> of the comms team approved the answer. {where}."


def asked_in(channel: str, question: str) -> str:
    """The first line of an answer sent by DM for a question asked in a channel."""
    return f"You asked in <#{channel}>: _{escape(question)[:500]}_"


def with_mentions(text: str, mentions: list[str]) -> str:
    return f"{' '.join(mentions)} {text}" if mentions else text


def escalation(approval_id: int, user: str, waited_s: float) -> str:
    return (
        f":rotating_light: Review #{approval_id} (a question from <@{user}>) has waited "
        f"{_waited(waited_s)} and is escalated. Please approve, edit or reject it now."
    )


def _waited(waited_s: float) -> str:
    hours = waited_s / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{max(1, round(waited_s / 60))} min"


GUEST_REFUSED = (
    ":no_entry_sign: I answer only for employees: guests of this workspace can't ask me. "
    "Please ask the person who invited you."
)
EXTERNAL_REFUSED = (
    ":no_entry_sign: I answer only for people of this company: people from other "
    "organisations in a shared channel can't ask me. Please ask your contact here."
)
WHO_ARE_YOU = (
    ":warning: I can't check who you are in Slack right now, so I can't answer. "
    "Please try again in a few minutes."
)
