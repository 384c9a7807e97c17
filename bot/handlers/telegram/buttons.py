"""Option ids as Telegram callback_data, which holds at most 64 bytes.

Most ids fit and travel as they are. A longer one (a notice's "flow:tickets?action=rate&
ticket=123456&score=5") travels as a short token, "~" and a hash of the id, and the chat keeps
token → id in the state store, so a button still works after a restart or on another process.
The hash makes the token of an id the same every time it is shown, and the chat keeps only its
most recent tokens (a button older than that falls back to showing where the chat is).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from bot.dialogs.state import ChatKey, StateStore

CALLBACK_DATA_MAX_BYTES = 64
TOKEN_MARK = "~"
KEPT_TOKENS = 300
# A namespace of its own in the state store, beside the conversations of the "telegram" channel.
MEMORY_CHANNEL = "telegram-buttons"


def fits(option_id: str) -> bool:
    return len(option_id.encode()) <= CALLBACK_DATA_MAX_BYTES and not option_id.startswith(
        TOKEN_MARK
    )


def token_of(option_id: str) -> str:
    digest = hashlib.sha256(option_id.encode()).digest()
    return TOKEN_MARK + base64.urlsafe_b64encode(digest[:15]).decode()


class ButtonCodes:
    """callback_data for option ids, and back."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    async def encode(self, chat_id: str, option_ids: Iterable[str]) -> dict[str, str]:
        """callback_data by option id; remembers the tokens it hands out."""
        codes = {oid: oid if fits(oid) else token_of(oid) for oid in option_ids}
        new = {code: option_id for option_id, code in codes.items() if code != option_id}
        if new:
            key = ChatKey(MEMORY_CHANNEL, chat_id)
            async with self.store.lock(key):
                memory = await self.store.load(key) or {}
                tokens: dict[str, str] = memory.get("tokens") or {}
                for token, option_id in new.items():
                    tokens.pop(token, None)  # shown again: it moves to the newest end
                    tokens[token] = option_id
                memory["tokens"] = dict(list(tokens.items())[-KEPT_TOKENS:])
                await self.store.save(key, memory)
        return codes

    async def decode(self, chat_id: str, data: str | None) -> str | None:
        """The option id a button's callback_data stands for; None for a forgotten token."""
        if not data:
            return None
        if not data.startswith(TOKEN_MARK):
            return data
        memory = await self.store.load(ChatKey(MEMORY_CHANNEL, chat_id)) or {}
        option_id = (memory.get("tokens") or {}).get(data)
        return option_id if isinstance(option_id, str) else None
