"""What passes between a channel and the dialogs: an inbound Turn, outbound Replies.

Rich enough for Telegram's inline keyboards, plain enough for SMS: a channel that cannot show
buttons renders options as numbered lines and maps a digit back to the option's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class Turn:
    """One thing a person did in a chat: sent text, pressed a button, shared a contact or a file."""

    channel: str
    chat_id: str
    user_id: str | None = None
    text: str | None = None
    # The id of the Option the person chose (a button press, or a number mapped by the channel).
    choice: str | None = None
    # A phone number the platform vouches for (Telegram's contact button for the sender's own).
    contact_phone: str | None = None
    attachment: Attachment | None = None
    # The platform's idea of the person's language (Telegram language_code, phone prefix...).
    language_hint: str | None = None
    # The platform's id of this inbound message, so a channel can delete a password it carried.
    message_ref: str | None = None
    # A one-time login link's token the channel was opened with (Telegram's start parameter,
    # the web chat's URL); a code typed or pasted in a text is found by the engine itself.
    login_token: str | None = None


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()
    links: tuple[Link, ...] = ()
    attachment: Attachment | None = None
    # The language the text is in: channels use it for layout (fa is right-to-left).
    language: str = "en"
    # The next thing the person types is secret (a password): mask the input where possible.
    expects_secret: bool = False
    # Offer the platform's "share my phone number" button where there is one.
    asks_contact: bool = False
    # A number typed in answer picks the option of that place. False where digits are the
    # answer itself (months, a score): channels without buttons then list the options unnumbered.
    numbered: bool = True


@dataclass(slots=True)
class Outcome:
    """What a turn produced: replies in order, and whether the inbound message held a secret
    that the channel should delete (or never echo) where the platform allows."""

    replies: list[Reply] = field(default_factory=list)
    forget_inbound: bool = False
