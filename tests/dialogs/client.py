"""A small chat client for tests: send a turn to the engine, read what came back."""

from __future__ import annotations

from bot.dialogs.contract import Attachment, Outcome, Reply, Turn
from bot.dialogs.engine import Engine


class ChatClient:
    def __init__(
        self,
        engine: Engine,
        chat_id: str = "chat-1",
        *,
        channel: str = "web",
        language_hint: str | None = "en",
    ) -> None:
        self.engine = engine
        self.channel = channel
        self.chat_id = chat_id
        self.language_hint = language_hint
        self.outcome = Outcome()

    async def send(
        self,
        text: str | None = None,
        *,
        choice: str | None = None,
        attachment: Attachment | None = None,
        contact_phone: str | None = None,
    ) -> list[Reply]:
        turn = Turn(
            channel=self.channel,
            chat_id=self.chat_id,
            user_id=self.chat_id,
            text=text,
            choice=choice,
            attachment=attachment,
            contact_phone=contact_phone,
            language_hint=self.language_hint,
        )
        self.outcome = await self.engine.handle(turn)
        return self.replies

    async def press(self, label: str) -> list[Reply]:
        """Press the option of the last reply whose label contains ``label``."""
        for option in self.options:
            if label.casefold() in option.label.casefold():
                return await self.send(choice=option.id)
        raise AssertionError(f"no option like {label!r} in {[o.label for o in self.options]}")

    async def log_in(self, username: str, password: str) -> list[Reply]:
        await self.send(choice="flow:login")
        await self.send(username)
        return await self.send(password)

    @property
    def replies(self) -> list[Reply]:
        return self.outcome.replies

    @property
    def text(self) -> str:
        """Everything the last turn said, one reply per paragraph."""
        return "\n\n".join(reply.text for reply in self.replies)

    @property
    def options(self):
        return self.replies[-1].options if self.replies else ()

    @property
    def labels(self) -> list[str]:
        return [option.label for option in self.options]
