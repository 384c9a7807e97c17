"""Logging a chat in with a username or registered mobile and the panel password, under the
account's lockout (lockout.py); and the purge of the attempt counters."""

from __future__ import annotations

from core.accounts import passwords, throttle
from core.accounts.chats import Chats
from core.accounts.identifiers import clean_identifier, subscriber_named
from core.accounts.keys import login_account_key, login_chat_key, login_unknown_key
from core.accounts.lockout import Lockout, reset_limit
from core.accounts.models import ChatIdentity, Subscriber
from core.accounts.phones import CALLING_CODES, normalise_phone
from core.accounts.profile import country_of
from core.accounts.queries import SubscriberView
from core.config import Settings
from core.ports import Clock

# A mobile number shared by several lines: the password is tried against at most this many.
MAX_ACCOUNTS_PER_MOBILE = 3


class Login:
    def __init__(self, settings: Settings, clock: Clock, chats: Chats, lockout: Lockout) -> None:
        self.settings = settings
        self.clock = clock
        self.chats = chats
        self.lockout = lockout

    async def log_in(
        self, channel: str, external_id: str, identifier: str, password: str
    ) -> SubscriberView:
        """Log the chat in with a username or registered mobile and the panel password.

        An attempt is reserved on the chat's key and the account's key *before* the password is
        checked, so concurrent guesses cannot exceed the limit; the last allowed failure locks
        both keys. Unknown names cost the same hash check and give the same answers.
        """
        await self.chats.identify_chat(channel, external_id)
        ident = clean_identifier(identifier)
        candidates = await self._login_candidates(ident)
        chat_key = login_chat_key(channel, external_id)
        account_keys = {s.id: login_account_key(s.id) for s in candidates}
        keys = [chat_key, *account_keys.values()]
        if not candidates:
            keys.append(login_unknown_key(ident.casefold()))

        now = self.clock.now()
        await self.lockout.reserve(keys, now)

        matched: Subscriber | None = None
        match = passwords.Match.WRONG
        if not candidates:
            await passwords.dummy_verify(self.settings, password)
        for subscriber in candidates:
            match = await passwords.check_password(
                self.settings, subscriber.password_hash, password
            )
            if match is not passwords.Match.WRONG:
                matched = subscriber
                break

        if matched is None:
            raise await self.lockout.failure(keys, now, "login_failed")

        own = [chat_key, account_keys[matched.id]]
        await throttle.clear(own)
        await throttle.give_back(k for k in account_keys.values() if k not in own)
        await ChatIdentity.filter(channel=channel, external_id=external_id).update(
            subscriber_id=matched.id, logged_in_at=now, last_seen_at=now
        )
        await self._rehash_if_needed(matched, password, match)
        return SubscriberView.of(matched)

    async def purge_throttles(self) -> int:
        """Delete counters with nothing left to remember (run it now and then)."""
        idle_for = max(self.lockout.limit.window, reset_limit(self.settings).window)
        return await throttle.purge(self.clock.now(), idle_for)

    async def _login_candidates(self, ident: str) -> list[Subscriber]:
        """The subscriber named by username (also typed with the line's leading zero), else
        those whose registered mobile it is (a mobile can serve several lines)."""
        if not ident:
            return []
        subscriber = await subscriber_named(ident)
        if subscriber is not None:
            return [subscriber]
        phones = self._phone_forms(ident)
        if not phones:
            return []
        return (
            await Subscriber.filter(mobile__in=phones).order_by("id").limit(MAX_ACCOUNTS_PER_MOBILE)
        )

    def _phone_forms(self, text: str) -> list[str]:
        """E.164 forms of a typed number: the settings' country first, then the others."""
        default = country_of(self.settings)
        countries = [default, *(c for c in CALLING_CODES if c != default)]
        forms = {normalise_phone(text, c) for c in countries}
        return sorted(f for f in forms if f)

    async def _rehash_if_needed(
        self, subscriber: Subscriber, password: str, match: passwords.Match
    ) -> None:
        """The argon2 costs were raised since this hash was made, or it is of the password's
        digits as once typed (Persian, Arabic-Indic): store the hash of the folded password."""
        old = subscriber.password_hash
        stale = match is passwords.Match.RIGHT_OLD_SPELLING
        if not stale and not passwords.needs_rehash(self.settings, old):
            return
        new = await passwords.hash_password(self.settings, password)
        if await Subscriber.filter(id=subscriber.id, password_hash=old).update(password_hash=new):
            subscriber.password_hash = new
