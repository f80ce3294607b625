"""Several workspaces of one OAuth install, on SQLite and PostgreSQL: each with its own
review channel, approvers, housekeeping, console decisions and video uploads; per-workspace
settings from the command line."""

from __future__ import annotations

from typing import Any

import httpx
import test_bot_install
from bot_fixtures import populate
from click.testing import CliRunner
from console_fixtures import BASE, console_env, sign_in
from fastapi.testclient import TestClient
from slack_emulator import SlackEmulator
from test_bot_approvals import QUESTION, is_review
from test_bot_install import pending
from test_bot_questions import TIMEOUT, is_answer, text_of, wait_answer
from test_bot_video import FAST_VIDEO

from bot.web_reviews import WebReviews
from bot.workspaces import WorkspaceSettings
from cli.main import main
from cli.serve import console_app
from render.consent import ConsentRegistry
from twin.db import dispose, session_factory
from twin.sections.slack import SlackSettings

oauth_app = test_bot_install.oauth_app  # the fixture


def test_two_workspaces_each_get_their_own_review_channel(oauth_app, database_url) -> None:
    with SlackEmulator() as slack:
        beta = slack.add_team("Beta Corp")
        alpha_people, beta_people = populate(slack), populate(beta)
        app = oauth_app(slack, review_channel="C-NOT-USED")
        settings = WorkspaceSettings(app.bot.services.sessions)
        for team, people in ((slack, alpha_people), (beta, beta_people)):
            settings.set(team.team_id, review_channel=people.review.id, approvers=[people.comms.id])
            assert app.install(team, people.adam).status_code == 200
        for team, people in ((slack, alpha_people), (beta, beta_people)):
            team.mention(people.alice, "general", QUESTION)
            review = team.wait_for_message(people.review, is_review, timeout=TIMEOUT)
            assert QUESTION in text_of(review)
        # Each card went to its own workspace's channel with that workspace's token, nowhere else.
        alpha_token, beta_token = (i.bot_tokens[0] for i in slack.installations())
        posted = {(c.args["channel"], c.token) for c in slack.calls("chat.postMessage") if c.ok}
        beta_posted = {(c.args["channel"], c.token) for c in beta.calls("chat.postMessage") if c.ok}
        assert (alpha_people.review.id, alpha_token) in posted
        assert (beta_people.review.id, beta_token) in beta_posted
        assert all(t == alpha_token for _, t in posted) and all(
            t == beta_token for _, t in beta_posted
        )
        # Each workspace's housekeeping sees only its own reviews (reminders, escalations).
        assert app.bot.tenants is not None
        reviews = {alpha_people.review.id, beta_people.review.id}
        for tenant in app.bot.tenants.all():
            due = tenant.services.approvals_store.due_for_reminder(0)
            mine = alpha_people if tenant.team_id == slack.team_id else beta_people
            assert [a.review_channel for a in due] == [mine.review.id]
        assert app.bot.tenants.start_known() == len(reviews)  # after a restart: both rebuilt
        # Beta's approver (of Beta's own comms group) decides Beta's review in Slack ...
        review = beta.wait_for_message(beta_people.review, is_review)
        beta.click(beta_people.carol, review, "approval_approve")
        assert beta.wait_for(
            lambda: not is_review(beta.message(beta_people.review, review["ts"]) or {})
        )
        # ... and Alpha's decides Alpha's in the web console: posted by Alpha's bot, in Alpha.
        console = WebReviews(app.bot.services, app.bot.tenants)
        [alpha_review] = [a for a in pending(app) if slack.team_id in (a.workspace or "")]
        assert console.approve(alpha_review.id, alpha_people.carol.id, None) == (True, "")
        answer = slack.wait_for_message("general", is_answer, thread_ts=alpha_review.thread_ts)
        assert "no layoffs this year" in text_of(answer)
        assert {c.token for c in slack.calls("chat.postMessage") if c.ok} == {alpha_token}


def test_video_replies_are_uploaded_by_their_own_workspaces_bot(oauth_app) -> None:

    with SlackEmulator() as slack:
        beta = slack.add_team("Beta Corp")
        teams = [(slack, populate(slack)), (beta, populate(beta))]
        app = oauth_app(slack, env=FAST_VIDEO, video_replies="true")
        ConsentRegistry(app.settings.db_url).add("Elena Marsh", "voice,likeness", "Elena Marsh")
        for team, people in teams:
            app.install(team, people.adam)
        for team, people in teams:
            asked = team.dm(people.alice, "Can I work from home?").event
            answer = wait_answer(team, team.dm_channel(people.alice), asked["ts"])
            team.click(people.alice, answer, "video_reply")
        for (team, people), installed in zip(teams, slack.installations(), strict=True):
            upload = team.wait_for_call("files.completeUploadExternal", timeout=120)
            assert upload.ok and upload.token == installed.bot_tokens[0]
            assert upload.args["channel_id"] == team.dm_channel(people.alice)


def test_workspace_settings_from_the_command_line(database_url: str) -> None:

    env = {"TWIN__DATABASE_URL": database_url}
    runner = CliRunner()
    org = [
        "slack",
        "workspace",
        "set",
        "E0001ACME",
        "--review-channel",
        "C0ORG",
        "--admins",
        "U1,S2",
    ]
    assert runner.invoke(main, org, env=env).exit_code == 0
    team = ["slack", "workspace", "set", "T0002WEST", "--review-channel", "C0WEST"]
    assert '"review_channel": "C0WEST"' in runner.invoke(main, team, env=env).output
    bad = runner.invoke(main, ["slack", "workspace", "set", "general", "--admins", "U1"], env=env)
    assert bad.exit_code == 1 and "workspace 'general': expected a team ID" in bad.output
    listed = runner.invoke(main, ["slack", "workspace", "list"], env=env).output.splitlines()
    assert [line.split('"')[3] for line in listed] == ["E0001ACME", "T0002WEST"]
    # A workspace of the organisation: its own review channel, the organisation's admins, and
    # config.yaml's approvers.
    store = WorkspaceSettings(session_factory(database_url))
    base = SlackSettings(approvers=["S0COMMS"], review_channel="C0BASE")
    west = store.resolve(base, "T0002WEST", "E0001ACME")
    assert (west.review_channel, west.admins, west.approvers) == (
        "C0WEST",
        ["U1", "S2"],
        ["S0COMMS"],
    )
    east = store.resolve(base, "T0003EAST", "E0001ACME")
    assert east.review_channel == "C0ORG"
    clear = ["slack", "workspace", "set", "T0002WEST", "--clear", "review_channel"]
    assert runner.invoke(main, clear, env=env).exit_code == 0
    assert store.resolve(base, "T0002WEST", "E0001ACME").review_channel == "C0ORG"
    dispose(database_url)


def test_console_roles_come_from_the_signed_in_persons_workspace(oauth_app) -> None:
    with SlackEmulator() as slack:
        beta, gamma = slack.add_team("Beta Corp"), slack.add_team("Gamma Ltd")
        alpha_people, beta_people, gamma_people = populate(slack), populate(beta), populate(gamma)
        app = oauth_app(slack)
        settings = WorkspaceSettings(app.bot.services.sessions)
        for team, people in ((slack, alpha_people), (beta, beta_people)):
            groups = {"approvers": [people.comms.id], "admins": [people.exec.id]}
            settings.set(team.team_id, **groups)  # user groups, each of its own workspace
            app.install(team, people.adam)  # Gamma never installs the app
        console = app.settings.console.model_copy(update={"public_url": BASE})
        web = console_app(
            app.settings.model_copy(update={"console": console}),
            app.bot.services.corpus,
            app.bot,
            console_env(slack),
        )

        def signed_in(team: SlackEmulator, user: Any) -> tuple[httpx.Response, TestClient]:
            client = TestClient(web, base_url=BASE)
            return sign_in(client, team, user), client

        for team, people in ((slack, alpha_people), (beta, beta_people)):
            done, carol = signed_in(team, people.carol)  # in her workspace's comms group
            assert done.status_code == 303 and carol.get("/reviews").status_code == 200
            assert carol.get("/corpus").status_code == 403  # not an admin
            done, erin = signed_in(team, people.erin)  # in its exec group: an admin
            assert done.status_code == 303 and erin.get("/corpus").status_code == 200
            assert erin.get("/reviews").status_code == 403
        refused, _ = signed_in(gamma, gamma_people.carol)  # no install in Gamma: no roles
        assert refused.status_code == 403 and "the console is for comms approvers" in refused.text
