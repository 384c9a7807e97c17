"""The console's sessions: kept in the state store (memory or Redis, as conversations are)
under a random id that only the session cookie carries; nothing about a session lives in the
process. Each has its CSRF token, the member it belongs to and the language they work in.

A session ends after ``staff_session_idle_minutes`` without a request and, whatever happens,
``staff_session_max_hours`` after its login. The id is replaced at login (a planted id is worth
nothing) and the session deleted at logout; only ``start`` creates one, every later write is
conditional on it still being there, so a request in flight during a logout cannot revive it.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, replace

from bot.config import BotSettings
from bot.dialogs.state import ChatKey, StateStore
from core.ports import Clock

COOKIE = "ispbot_staff"
# The login form's token rides in a cookie of its own: nobody is logged in yet, and a visitor
# who only opens the login page costs the store nothing.
LOGIN_COOKIE = "ispbot_staff_login"
PATH = "/staff"
# Sessions are kept in the store under this "channel", apart from every chat's.
STORE_CHANNEL = "staff-session"


@dataclass(frozen=True, slots=True)
class StaffSession:
    id: str
    staff_id: int
    csrf: str
    language: str
    started_at: float
    seen_at: float


def new_token() -> str:
    return secrets.token_urlsafe(32)


class StaffSessions:
    def __init__(self, store: StateStore, clock: Clock, settings: BotSettings) -> None:
        self.store = store
        self.clock = clock
        self.idle_seconds = settings.staff_session_idle_minutes * 60
        self.max_seconds = settings.staff_session_max_hours * 3600

    async def start(self, staff_id: int, language: str) -> StaffSession:
        now = self._now()
        session = StaffSession(new_token(), staff_id, new_token(), language, now, now)
        await self._save(session)
        return session

    async def find(self, session_id: str) -> StaffSession | None:
        """The live session of this id (its last request marked now), or None."""
        if not session_id or len(session_id) > 64:
            return None
        state = await self.store.load(_key(session_id))
        if not state:
            return None
        try:
            session = StaffSession(**state)
        except TypeError:  # written by another version of the app: start again
            await self.end(session_id)
            return None
        now = self._now()
        if now - session.seen_at > self.idle_seconds or now - session.started_at > self.max_seconds:
            await self.end(session_id)
            return None
        session = replace(session, seen_at=now)
        # A logout (or another request's expiry) may have ended it since it was read: then it
        # stays ended, and this request goes without it.
        if not await self.store.refresh(_key(session_id), asdict(session)):
            return None
        return session

    async def set_language(self, session: StaffSession, language: str) -> StaffSession | None:
        """The session in ``language``; None if it ended meanwhile (it is not brought back)."""
        changed = replace(session, language=language)
        if not await self.store.refresh(_key(session.id), asdict(changed)):
            return None
        return changed

    async def end(self, session_id: str) -> None:
        await self.store.delete(_key(session_id))

    async def _save(self, session: StaffSession) -> None:
        await self.store.save(_key(session.id), asdict(session))

    def _now(self) -> float:
        return self.clock.now().timestamp()


def _key(session_id: str) -> ChatKey:
    return ChatKey(STORE_CHANNEL, session_id)
