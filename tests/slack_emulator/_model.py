"""The workspace's records: the app's identity, users, user groups, channels, files, calls."""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class AppIdentity:
    """Who the app under test is, and in which workspace it is installed."""

    team_id: str = "T0001TEAM"
    team_domain: str = "ceo-twin-test"
    team_name: str = "CEO Twin Test"
    app_id: str = "A0001APP"
    bot_id: str = "B0001BOT"
    bot_user_id: str = "U0001BOT"
    bot_name: str = "ceo-twin"
    verification_token: str = "emulator-verification-token"
    enterprise_id: str | None = None  # an Enterprise Grid organisation's workspace
    enterprise_name: str = ""

    @property
    def team(self) -> JsonDict:
        team: JsonDict = {"id": self.team_id, "domain": self.team_domain}
        return {**team, "enterprise_id": self.enterprise_id} if self.enterprise_id else team

    @property
    def enterprise(self) -> JsonDict | None:
        if not self.enterprise_id:
            return None
        return {"id": self.enterprise_id, "name": self.enterprise_name}

    def bot_profile(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "app_id": self.app_id,
            "user_id": self.bot_user_id,
            "name": self.bot_name,
            "deleted": False,
            "team_id": self.team_id,
        }


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    email: str = ""
    title: str = ""
    is_bot: bool = False
    is_admin: bool = False
    is_restricted: bool = False  # a multi-channel guest
    is_ultra_restricted: bool = False  # a single-channel guest
    team: str = ""  # another organisation's team ID: a Slack Connect user
    deleted: bool = False
    tz: str = "America/New_York"
    tz_label: str = "Eastern Standard Time"
    tz_offset: int = -18000

    def to_api(self, team_id: str, enterprise_id: str | None = None) -> JsonDict:
        """The `user` object of users.info (with `enterprise_user` on Enterprise Grid)."""
        grid = {"enterprise_user": {"enterprise_id": enterprise_id, "teams": [team_id]}}
        team_id = self.team or team_id
        real_name = self.real_name or self.name
        profile = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "title": self.title,
            "team": team_id,
            "image_48": f"https://avatars.example/{self.id}_48.png",
            **({"email": self.email} if self.email else {}),
        }
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": real_name,
            "tz": self.tz,
            "tz_label": self.tz_label,
            "tz_offset": self.tz_offset,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": self.is_restricted or self.is_ultra_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            **(grid if enterprise_id and not self.team else {}),
        }


@dataclass
class UserGroup:
    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)

    def to_api(self, team_id: str, include_users: bool) -> JsonDict:
        group = {
            "id": self.id,
            "team_id": team_id,
            "is_usergroup": True,
            "name": self.name,
            "handle": self.handle,
            "user_count": len(self.users),
        }
        return {**group, "users": list(self.users)} if include_users else group


@dataclass
class Channel:
    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_im: bool = False
    is_private: bool = False
    user: str | None = None  # the human in a DM with the app

    @property
    def channel_type(self) -> str:
        """The `channel_type` of message events: im, channel or group."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def to_api(self) -> JsonDict:
        if self.is_im:
            return {"id": self.id, "is_im": True, "user": self.user, "is_open": True}
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_private": self.is_private,
            "is_member": True,
            "num_members": len(self.members),
        }


@dataclass
class UploadedFile:
    """A file announced by files.getUploadURLExternal; `content` arrives at its upload URL."""

    id: str
    filename: str
    length: int
    user: str
    title: str = ""
    alt_txt: str = ""
    content: bytes | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    shares: list[tuple[str, str]] = field(default_factory=list)  # (channel, message ts)

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.filename)[0] or "application/octet-stream"

    def to_api(self, base_url: str, team_id: str) -> JsonDict:
        url = f"{base_url}/files-pri/{self.id}/{self.filename}"
        extension = self.filename.rsplit(".", 1)[-1].lower() if "." in self.filename else ""
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": self.mimetype,
            "filetype": extension,
            "user": self.user,
            "user_team": team_id,
            "size": len(self.content or b""),
            "mode": "hosted",
            "is_external": False,
            "is_public": bool(self.shares),
            "url_private": url,
            "url_private_download": f"{url}?download=1",
            "permalink": f"{base_url}/files/{self.user}/{self.id}/{self.filename}",
            "channels": sorted({channel for channel, _ in self.shares}),
            **({"alt_txt": self.alt_txt} if self.alt_txt else {}),
        }


def user_id_of(user: str | User) -> str:
    return user if isinstance(user, str) else user.id


@dataclass(frozen=True)
class TokenInfo:
    """What a token may do: its scopes (None: any method), when it expires (time.time(); None:
    never), and whether it is an org-wide install's token (valid in every workspace of its
    Enterprise Grid organisation)."""

    scopes: frozenset[str] | None = None
    expires_at: float | None = None
    org_wide: bool = False


@dataclass(frozen=True)
class Call:
    """One Web API request as the emulator received and answered it."""

    method: str
    args: JsonDict
    token: str | None
    at: float
    response: JsonDict

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


@dataclass(frozen=True)
class ResponsePost:
    """One POST the app made to a response_url."""

    url: str
    payload: JsonDict
    user: str
    channel: str | None
    at: float
