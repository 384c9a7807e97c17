"""The bot's settings: the core's, plus what only conversations need (prefix ``ISPBOT_``)."""

from __future__ import annotations

from pydantic import Field

from core.config import Settings


class BotSettings(Settings):
    # How long a chat's state (language, login, where it is in a flow) is kept after its last
    # message. Language and login are also remembered on the chat identity in the database.
    state_ttl_seconds: float = Field(default=30 * 24 * 3600, gt=0)
    # A flow left alone this long is abandoned: the next message gets "session expired" and the
    # main menu rather than being read as the answer to a question asked long ago.
    flow_timeout_seconds: float = Field(default=30 * 60, gt=0)
    # A chat's lock expires by itself after this long, so a process that died holding it does
    # not block the chat for ever; no turn should take anywhere near this long.
    lock_timeout_seconds: float = Field(default=60, gt=0)
    # How long a message waits for the previous message of the same chat to finish.
    lock_wait_seconds: float = Field(default=30, gt=0)
    # Channels remember delivered update ids this long to drop the provider's redeliveries.
    dedup_ttl_seconds: float = Field(default=24 * 3600, gt=0)
    # Namespace of every Redis key this app writes (tests use a prefix of their own).
    redis_prefix: str = "ispbot:"
    # Show rial amounts in toman (rials / 10) to Persian readers, as Iranians usually speak.
    money_in_toman: bool = False
    # Where the web server listens, and the address people's browsers reach it by (payment
    # links and the web chat). Behind a proxy, set ISPBOT_PUBLIC_URL to the outside address.
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = None

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
