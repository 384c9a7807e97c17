"""Accounts: the writes of the accounts domain (log in and out, passwords, profile, documents,
line status). Reads are in ``queries.py``.

Every refusal is a ``DomainError`` with a stable code; the dialogs turn codes into words.
"""

from __future__ import annotations

import dataclasses
import hmac
import itertools
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import sql
from core.accounts import passwords, throttle
from core.accounts.documents import kinds_still_unapproved, kinds_to_cut_for
from core.accounts.enums import DocumentKind, DocumentStatus, Language, LineStatus
from core.accounts.keys import (
    login_account_key,
    login_chat_key,
    login_unknown_key,
    reset_chat_key,
    reset_username_key,
)
from core.accounts.models import ChatIdentity, Document, LineStatusChange, Subscriber
from core.accounts.national_id import clean_digits, normalise_national_id
from core.accounts.phones import CALLING_CODES, ascii_digits, normalise_phone
from core.accounts.profile import (
    EDITABLE_FIELDS,
    check_birth_date,
    clean_field,
    country_of,
    missing_profile_fields,
    subscriber_zone,
)
from core.accounts.queries import ChatView, SubscriberView, get_subscriber
from core.billing.periods import local_date
from core.config import Settings
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.ports import Clock, FileStore, SmsSender
from core.uploads import check_upload

log = logging.getLogger(__name__)

ResetSmsText = Callable[[SubscriberView, str], str]

# A mobile number shared by several lines: the password is tried against at most this many.
MAX_ACCOUNTS_PER_MOBILE = 3
# How far apart two writes of a chat's last_seen_at are at least (see identify_chat).
SEEN_STEP = timedelta(minutes=1)
_IDENTIFIER_MAX = 64
_COMPACT = re.compile(r"[\s\-\u200c\u200e\u200f]")
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def english_reset_text(subscriber: SubscriberView, password: str) -> str:
    return f"Your new panel password for {subscriber.username} is: {password}"


def language_from_hint(hint: str | None) -> Language | None:
    """A platform's language code (``"fa-IR"``, ``"en_US"``, Android's old ``"in"``) → ours."""
    if not hint:
        return None
    code = re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0]
    code = {"in": "id", "per": "fa", "ind": "id", "eng": "en"}.get(code, code)
    try:
        return Language(code)
    except ValueError:
        return None


def clean_identifier(text: str) -> str:
    """A typed username or phone: Persian digits to ASCII; spaces and dashes dropped when
    what remains is a number."""
    value = ascii_digits(text or "").strip()
    compact = _COMPACT.sub("", value)
    if compact.lstrip("+").isdigit():
        value = compact
    return value[:_IDENTIFIER_MAX]


class Accounts:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        sms: SmsSender,
        files: FileStore,
        reset_sms_text: ResetSmsText | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.sms = sms
        self.files = files
        self.reset_sms_text = reset_sms_text or english_reset_text
        lockout = timedelta(minutes=settings.lockout_minutes)
        self.login_limit = throttle.Limit(settings.lockout_attempts, lockout, lock_for=lockout)
        self.reset_limit = throttle.Limit(settings.password_reset_per_hour, timedelta(hours=1))

    # ---- chats -------------------------------------------------------------------------

    async def identify_chat(
        self, channel: str, external_id: str, language_hint: str | None = None
    ) -> ChatView:
        """The chat's identity with its subscriber (``chat.subscriber``, None for a guest),
        created on first contact (race-free: create, or read the winner's row).
        ``language_hint`` only sets the language of a new chat. Called for what a person sends,
        so the chat is reachable again (a Telegram user who had blocked the bot and writes
        again) and its ``last_seen_at`` moves, by steps of SEEN_STEP: that is precise enough to
        tell which of a subscriber's chats was used last, and spares a write on most turns of a
        conversation."""
        _check_chat(channel, external_id)
        now = self.clock.now()
        found = await _chat_with_subscriber(channel, external_id)
        if found is None:
            try:
                async with in_transaction():
                    created = await ChatIdentity.create(
                        channel=channel,
                        external_id=external_id,
                        language=language_from_hint(language_hint),
                        last_seen_at=now,
                    )
                return ChatView.of(created, None)
            except IntegrityError:
                found = await _chat_with_subscriber(channel, external_id)
                assert found is not None  # the row the other turn created
        chat, subscriber = found
        if chat.unreachable or chat.last_seen_at is None or now - chat.last_seen_at >= SEEN_STEP:
            await ChatIdentity.filter(id=chat.id).update(last_seen_at=now, unreachable=False)
            chat.last_seen_at, chat.unreachable = now, False
        return ChatView.of(chat, subscriber)

    async def set_language(self, channel: str, external_id: str, language: str) -> ChatView:
        """The chat's language, and its subscriber's (alerts and SMS follow it) if logged in."""
        try:
            chosen = Language(language)
        except ValueError:
            raise InvalidInput("language_not_supported", language=language) from None
        chat = await self.identify_chat(channel, external_id)
        async with in_transaction():
            await ChatIdentity.filter(id=chat.id).update(language=chosen)
            if chat.subscriber_id is not None:
                await Subscriber.filter(id=chat.subscriber_id).update(language=chosen)
        subscriber = chat.subscriber
        if subscriber is not None:
            subscriber = dataclasses.replace(subscriber, language=chosen)
        return dataclasses.replace(chat, language=chosen, subscriber=subscriber)

    # ---- logging in ----------------------------------------------------------------------

    async def log_in(
        self, channel: str, external_id: str, identifier: str, password: str
    ) -> SubscriberView:
        """Log the chat in with a username or registered mobile and the panel password.

        An attempt is reserved on the chat's key and the account's key *before* the password is
        checked, so concurrent guesses cannot exceed the limit; the last allowed failure locks
        both keys. Unknown names cost the same hash check and give the same answers.
        """
        await self.identify_chat(channel, external_id)
        ident = clean_identifier(identifier)
        candidates = await self._login_candidates(ident)
        chat_key = login_chat_key(channel, external_id)
        account_keys = {s.id: login_account_key(s.id) for s in candidates}
        keys = [chat_key, *account_keys.values()]
        if not candidates:
            keys.append(login_unknown_key(ident.casefold()))

        now = self.clock.now()
        await self._reserve_login(keys, now)

        matched: Subscriber | None = None
        if not candidates:
            await passwords.dummy_verify(self.settings, password)
        for subscriber in candidates:
            if await passwords.verify_password(self.settings, subscriber.password_hash, password):
                matched = subscriber
                break

        if matched is None:
            raise await self._failure(keys, now, "login_failed")

        own = [chat_key, account_keys[matched.id]]
        await throttle.clear(own)
        await throttle.give_back(k for k in account_keys.values() if k not in own)
        await ChatIdentity.filter(channel=channel, external_id=external_id).update(
            subscriber_id=matched.id, logged_in_at=now, last_seen_at=now
        )
        await self._rehash_if_needed(matched, password)
        return SubscriberView.of(matched)

    async def log_out(self, channel: str, external_id: str) -> None:
        await ChatIdentity.filter(channel=channel, external_id=external_id).update(
            subscriber_id=None, logged_in_at=None
        )

    async def _login_candidates(self, ident: str) -> list[Subscriber]:
        """The subscriber named by username (also typed with the line's leading zero), else
        those whose registered mobile it is (a mobile can serve several lines)."""
        if not ident:
            return []
        subscriber = await self._by_username(ident)
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

    async def _reserve_login(self, keys: list[str], now: datetime) -> None:
        try:
            await throttle.reserve(keys, self.login_limit, now)
        except throttle.Blocked as blocked:
            raise DomainError("login_locked", minutes_left=blocked.minutes_left(now)) from None

    async def _failure(self, keys: list[str], now: datetime, code: str) -> DomainError:
        """A reserved attempt failed: lock the keys that reached the limit. The error to raise
        says how many attempts are left (``code``, ``attempts_left``) or that the lock is on."""
        await throttle.lock_exhausted(keys, self.login_limit, now)
        left = await throttle.attempts_left(keys, self.login_limit)
        if left == 0:
            return DomainError("login_locked", minutes_left=self.settings.lockout_minutes)
        return DomainError(code, attempts_left=left)

    async def _rehash_if_needed(self, subscriber: Subscriber, password: str) -> None:
        """The argon2 costs were raised since this hash was made: store a stronger one."""
        old = subscriber.password_hash
        if not passwords.needs_rehash(self.settings, old):
            return
        new = await passwords.hash_password(self.settings, password)
        if await Subscriber.filter(id=subscriber.id, password_hash=old).update(password_hash=new):
            subscriber.password_hash = new

    async def purge_throttles(self) -> int:
        """Delete counters with nothing left to remember (run it now and then)."""
        idle_for = max(self.login_limit.window, self.reset_limit.window)
        return await throttle.purge(self.clock.now(), idle_for)

    # ---- passwords -----------------------------------------------------------------------

    async def forgot_password(
        self, channel: str, external_id: str, username: str, national_id: str, mobile: str
    ) -> None:
        """If username, national ID and registered mobile all match, a new password goes by SMS
        to that mobile. Returns the same (nothing) whether or not they matched; only the rate
        limit (per chat and per username) is visible: ``reset_rate_limited``."""
        await self.identify_chat(channel, external_id)
        name = clean_identifier(username)
        now = self.clock.now()
        # One allowance per line, however the name is typed ("0" + username finds it too).
        canonical = _without_leading_zero(name)
        keys = [reset_chat_key(channel, external_id), reset_username_key(canonical.casefold())]
        try:
            await throttle.reserve(keys, self.reset_limit, now)
        except throttle.Blocked as blocked:
            minutes = blocked.minutes_left(now)
            raise DomainError("reset_rate_limited", minutes_left=minutes) from None

        subscriber = await self._by_username(name)
        send_to = _reset_details_match(subscriber, national_id, mobile) if subscriber else None
        if subscriber is None or send_to is None:
            await passwords.dummy_verify(self.settings, name)  # as long as hashing a new one
            return

        new_password = passwords.generate_password()
        new_hash = await passwords.hash_password(self.settings, new_password)
        text = self.reset_sms_text(SubscriberView.of(subscriber), new_password)
        try:
            async with in_transaction():
                await Subscriber.filter(id=subscriber.id).update(password_hash=new_hash)
                # Inside the transaction: if the SMS cannot go, the old password stays.
                await self.sms.send_sms(send_to, text)
        except Exception:
            # Telling the caller would tell them that the three details matched.
            log.exception("password reset SMS to subscriber %s failed", subscriber.id)
            return
        # Whoever holds the mobile may log in again at once with the new password.
        await throttle.clear([login_account_key(subscriber.id)])

    async def _by_username(self, name: str) -> Subscriber | None:
        if not name:
            return None
        subscriber = await Subscriber.get_or_none(username=name)
        if subscriber is None and _without_leading_zero(name) != name:
            subscriber = await Subscriber.get_or_none(username=_without_leading_zero(name))
        return subscriber

    async def change_panel_password(
        self, subscriber_id: int, old: str, new: str, repeat: str
    ) -> None:
        """Codes: ``passwords_differ``, ``password_too_weak``, ``password_too_long``,
        ``password_unchanged``, ``wrong_password`` (``attempts_left``), ``login_locked``."""
        subscriber = await get_subscriber(subscriber_id)
        _check_new_password(subscriber, old, new, repeat)
        old_hash = subscriber.password_hash

        async def old_is_right() -> bool:
            return await passwords.verify_password(self.settings, old_hash, old)

        await self._check_old_password(subscriber, old_is_right)
        new_hash = await passwords.hash_password(self.settings, new)
        # Conditional: a reset that landed meanwhile has made ``old`` wrong.
        if not await Subscriber.filter(id=subscriber_id, password_hash=old_hash).update(
            password_hash=new_hash
        ):
            raise InvalidInput("wrong_password", attempts_left=self.settings.lockout_attempts)

    async def change_internet_password(
        self, subscriber_id: int, old: str, new: str, repeat: str
    ) -> None:
        """The PPPoE password. Same codes as the panel password, plus
        ``password_invalid_characters`` (modems take printable ASCII without spaces only).
        The dialog must warn that the modem needs the new password to connect."""
        subscriber = await get_subscriber(subscriber_id)
        _check_new_password(subscriber, old, new, repeat)
        if not all("!" <= ch <= "~" for ch in new):
            raise InvalidInput("password_invalid_characters")
        current = subscriber.internet_password

        async def old_is_right() -> bool:
            return hmac.compare_digest(old.encode(), current.encode())

        await self._check_old_password(subscriber, old_is_right)
        if not await Subscriber.filter(id=subscriber_id, internet_password=current).update(
            internet_password=new
        ):
            raise InvalidInput("wrong_password", attempts_left=self.settings.lockout_attempts)

    async def _check_old_password(
        self, subscriber: Subscriber, old_is_right: Callable[[], Awaitable[bool]]
    ) -> None:
        """Wrong old passwords count like wrong logins on the account (a borrowed phone must
        not become a way to guess the password)."""
        keys = [login_account_key(subscriber.id)]
        now = self.clock.now()
        await self._reserve_login(keys, now)
        if not await old_is_right():
            raise await self._failure(keys, now, "wrong_password")
        await throttle.clear(keys)

    # ---- profile -------------------------------------------------------------------------

    @staticmethod
    def missing_profile_fields(subscriber: Any) -> list[str]:
        return missing_profile_fields(subscriber)

    async def update_profile(self, subscriber_id: int, **fields: Any) -> SubscriberView:
        """Edit fields of the profile form (``EDITABLE_FIELDS``; ``birth_date`` too, write-once).
        Every value is checked before anything is written."""
        subscriber = await get_subscriber(subscriber_id)
        country = country_of(subscriber)
        birth_date = fields.pop("birth_date", None)
        cleaned = {
            name: clean_field(name, value, country=country, is_company=subscriber.is_company)
            for name, value in fields.items()
        }
        if birth_date is not None:
            birth_date = check_birth_date(birth_date, self._today(subscriber))
        async with in_transaction():
            if cleaned:
                await Subscriber.filter(id=subscriber_id).update(**cleaned)
            if birth_date is not None:
                await self._write_birth_date_once(subscriber, birth_date)
        return SubscriberView.of(await get_subscriber(subscriber_id))

    async def set_birth_date(self, subscriber_id: int, value: date) -> None:
        """Birth date (or a company's registration date): set once, never edited afterwards:
        ``birth_date_locked``. Setting the same date again is harmless."""
        subscriber = await get_subscriber(subscriber_id)
        await self._write_birth_date_once(
            subscriber, check_birth_date(value, self._today(subscriber))
        )

    async def _write_birth_date_once(self, subscriber: Subscriber, value: date) -> None:
        if await Subscriber.filter(id=subscriber.id, birth_date__isnull=True).update(
            birth_date=value
        ):
            return
        current = await Subscriber.filter(id=subscriber.id).values_list("birth_date", flat=True)
        if current != [value]:
            raise Conflict("birth_date_locked")

    def _today(self, subscriber: Subscriber) -> date:
        return local_date(self.clock.now(), subscriber_zone(subscriber, self.settings))

    # ---- documents -----------------------------------------------------------------------

    async def upload_document(
        self, subscriber_id: int, kind: str, filename: str, content_type: str, data: bytes
    ) -> Document:
        """Store a copy of a document for review. Codes: ``unknown_document_kind`` and those of
        ``check_upload``."""
        try:
            doc_kind = DocumentKind(kind)
        except ValueError:
            raise InvalidInput("unknown_document_kind", kind=kind) from None
        mime = check_upload(self.settings, filename, content_type, data)
        await get_subscriber(subscriber_id)
        name = _safe_filename(filename, doc_kind)
        file_key = await self.files.put(data, mime, name)
        return await Document.create(
            subscriber_id=subscriber_id,
            kind=doc_kind,
            file_key=file_key,
            filename=name,
            content_type=mime,
            size=len(data),
            uploaded_at=self.clock.now(),
        )

    async def review_document(
        self, document_id: int, approve: bool, reason: str | None = None
    ) -> Document:
        """An operator's verdict. A rejection starts the grace period; an approval lifts a
        documents suspension once no kind is still missing its valid copy."""
        now = self.clock.now()
        async with in_transaction():
            document = await Document.get_or_none(id=document_id)
            if document is None:
                raise NotFound("document_not_found", document_id=document_id)
            changes: dict[str, Any] = {"reviewed_at": now}
            if approve:
                changes.update(status=DocumentStatus.APPROVED, reject_reason=None, grace_until=None)
            else:
                grace = timedelta(days=self.settings.document_grace_days)
                changes.update(
                    status=DocumentStatus.REJECTED,
                    reject_reason=(reason or "").strip() or None,
                    grace_until=now + grace,
                )
            await Document.filter(id=document_id).update(**changes)
            document.update_from_dict(changes)
            if approve:
                await self._restore_after_documents(document.subscriber_id, now)  # type: ignore[attr-defined]
        return document

    async def enforce_document_grace(self) -> int:
        """Cut every line whose rejected document's grace has passed with no newer pending or
        approved copy of that kind. Safe to run concurrently and repeatedly. Returns how many
        lines were cut now."""
        now = self.clock.now()
        subscriber_ids = (
            await Document.filter(status=DocumentStatus.REJECTED, grace_until__lte=now)
            .exclude(
                subscriber__line_status__in=[LineStatus.DOCUMENTS_SUSPENDED, LineStatus.CLOSED]
            )
            .distinct()
            .values_list("subscriber_id", flat=True)
        )
        cut = 0
        for subscriber_id in sorted(set(subscriber_ids)):
            docs = await Document.filter(subscriber_id=subscriber_id)
            kinds = kinds_to_cut_for(docs, now)
            if not kinds:
                continue
            reason = "documents: " + ", ".join(kinds)
            async with in_transaction():
                before = (
                    await Subscriber.filter(id=subscriber_id)
                    .exclude(line_status__in=[LineStatus.DOCUMENTS_SUSPENDED, LineStatus.CLOSED])
                    .select_for_update(no_key=True)
                    .first()
                )
                if before is None:
                    continue
                if (
                    before.line_status != LineStatus.IN_OPERATION
                    and not await LineStatusChange.filter(subscriber_id=subscriber_id).exists()
                ):
                    # A line created in another status (installed "isolated") has no history
                    # yet: record that status, or an approval would give back "in operation".
                    await LineStatusChange.create(
                        subscriber_id=subscriber_id,
                        status=before.line_status,
                        reason="line created",
                        changed_at=min(before.created_at, now),
                    )
                await change_line_status(before.id, LineStatus.DOCUMENTS_SUSPENDED, reason, now)
                cut += 1
        return cut

    async def _restore_after_documents(self, subscriber_id: int, now: datetime) -> None:
        """Inside the review's transaction: give the line back the status it had before the
        documents suspension, if nothing else is still missing."""
        subscriber = await Subscriber.get(id=subscriber_id)
        if subscriber.line_status != LineStatus.DOCUMENTS_SUSPENDED:
            return
        if kinds_still_unapproved(await Document.filter(subscriber_id=subscriber_id), now):
            return
        previous = LineStatus.IN_OPERATION
        history = await LineStatusChange.filter(subscriber_id=subscriber_id).order_by(
            "-changed_at", "-id"
        )
        for change, before in itertools.pairwise(history):
            if change.status == LineStatus.DOCUMENTS_SUSPENDED:
                previous = before.status
                break
        await change_line_status(subscriber_id, previous, "documents approved", now)

    # ---- line status ---------------------------------------------------------------------

    async def set_line_status(self, subscriber_id: int, status: str, reason: str = "") -> bool:
        """Change the line's status and record it in the history, in one transaction.
        Returns False (and records nothing) when the line already had that status."""
        try:
            new_status = LineStatus(status)
        except ValueError:
            raise InvalidInput("unknown_line_status", status=status) from None
        await get_subscriber(subscriber_id)
        async with in_transaction():
            return await change_line_status(subscriber_id, new_status, reason, self.clock.now())

    # ---- helpers -------------------------------------------------------------------------


async def change_line_status(
    subscriber_id: int,
    status: LineStatus,
    reason: str,
    now: datetime,
    *,
    only_from: LineStatus | None = None,
) -> bool:
    """Set the line's status and record the change in its history; False (nothing recorded)
    when it already had that status, or, with ``only_from``, when it was not in that one."""
    query = Subscriber.filter(id=subscriber_id)
    if only_from is not None:
        query = query.filter(line_status=only_from)
    changed = await query.exclude(line_status=status).update(line_status=status)
    if changed:
        await LineStatusChange.create(
            subscriber_id=subscriber_id, status=status, reason=reason[:200], changed_at=now
        )
    return bool(changed)


def _check_chat(channel: str, external_id: str) -> None:
    if not channel or len(channel) > 16 or not external_id or len(external_id) > 128:
        raise InvalidInput("invalid_chat", channel=channel)


def _check_new_password(subscriber: Subscriber, old: str, new: str, repeat: str) -> None:
    if new != repeat:
        raise InvalidInput("passwords_differ")
    passwords.check_strength(new, subscriber.username)
    if new == old:
        raise InvalidInput("password_unchanged")


def _same_digits(given: str, stored: str | None) -> bool:
    if not stored:
        return False
    a = clean_digits(given).upper().lstrip("0")
    b = clean_digits(stored).upper().lstrip("0")
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


def _reset_details_match(subscriber: Subscriber, national_id: str, mobile: str) -> str | None:
    """The registered mobile (E.164) to send the new password to, if all details match."""
    country = country_of(subscriber)
    given_id = normalise_national_id(national_id, country, company=subscriber.is_company)
    id_ok = _same_digits(given_id or national_id, subscriber.national_id)
    stored_mobile = subscriber.mobile and (
        normalise_phone(subscriber.mobile, country) or subscriber.mobile
    )
    given_mobile = normalise_phone(mobile, country)
    if id_ok and stored_mobile and given_mobile == stored_mobile:
        return stored_mobile
    return None


def _safe_filename(filename: str, kind: DocumentKind) -> str:
    base = re.split(r"[/\\]", filename or "")[-1]
    base = _UNSAFE_FILENAME.sub("_", base).strip(" .")
    return (base or kind.value)[:255]


__all__ = ["EDITABLE_FIELDS", "Accounts", "english_reset_text", "language_from_hint"]


async def _chat_with_subscriber(
    channel: str, external_id: str
) -> tuple[ChatIdentity, Subscriber | None] | None:
    """The chat and its subscriber in one statement of plain SQL: every turn of every channel
    starts here (core/sql.py says why)."""
    rows = await sql.fetch(
        f"SELECT {sql.columns(ChatIdentity, 'c')}, {sql.columns(Subscriber, 's', 's__')}"
        " FROM chat_identity c LEFT JOIN subscriber s ON s.id = c.subscriber_id"
        " WHERE c.channel = $1 AND c.external_id = $2",
        channel,
        external_id,
    )
    if not rows:
        return None
    chat = sql.made(ChatIdentity, rows[0])
    subscriber = sql.made(Subscriber, rows[0], "s__") if rows[0]["s__id"] is not None else None
    return chat, subscriber


def _without_leading_zero(name: str) -> str:
    """A line's username as it is stored when typed with the line's leading zero."""
    return name[1:] if name.isdigit() and name.startswith("0") else name
