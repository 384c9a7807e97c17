"""Choosing the language: on first contact when the platform gave no hint, and at any time."""

from __future__ import annotations

from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.normalize import fold
from bot.i18n import LANGUAGES, N_, translator

# Each language's own name, so everyone can find theirs whatever is shown now.
NATIVE_NAMES = {"fa": "فارسی", "id": "Bahasa Indonesia", "en": "English"}
_TYPED = {
    **{fold(name): code for code, name in NATIVE_NAMES.items()},
    **{code: code for code in LANGUAGES},
    "farsi": "fa",
    "persian": "fa",
    "پارسی": "fa",
    "indonesia": "id",
    "indonesian": "id",
    "bahasa": "id",
    "inggris": "en",
    "انگلیسی": "en",
}
PROMPT = N_("Please choose your language.")
# The language a guest picked in this chat, kept beside the flows (the chat's state) until a
# login makes it the line's too: a platform's hint (a browser's language) never is.
PICKED_BY_GUEST = "language_picked_by_guest"


def take_guests_pick(ctx: Context) -> str | None:
    """The language picked in this chat before logging in, once."""
    picked = ctx.state.pop(PICKED_BY_GUEST, None)
    return picked if picked in LANGUAGES else None


class LanguageFlow(Flow):
    name = "language"
    needs_login = False
    menu_label = N_("Language")
    menu_order = 90
    audience = "anyone"

    async def ask_pick(self, ctx: Context) -> None:
        if ctx.data.get("first_contact"):
            # The chat's language is not known yet: ask in all three.
            text = "\n".join(translator(code).gettext(PROMPT) for code in LANGUAGES)
        else:
            text = ctx._(PROMPT)
        options = [ctx.option(f"lang:{code}", NATIVE_NAMES[code]) for code in LANGUAGES]
        ctx.say(text, options=options)

    async def on_pick(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        code = choice.removeprefix("lang:") if choice.startswith("lang:") else None
        code = code or _TYPED.get(fold(ctx.input.text))
        if code not in LANGUAGES:
            await ctx.refuse(ctx._("Please pick one of the languages below."))
            return
        await ctx.services.chats.set_language(ctx.turn.channel, ctx.turn.chat_id, code)
        if ctx.subscriber is None:
            ctx.state[PICKED_BY_GUEST] = code
        ctx.t = translator(code, zone=ctx.t.zone, money_in_toman=ctx.t.money_in_toman)
        if ctx.data.get("first_contact"):
            await ctx.finish(
                ctx._(
                    "Hello! I am the self-care assistant of your Internet service. "
                    "What would you like to do?"
                )
            )
        else:
            await ctx.finish(ctx._("Done: I will speak English from now on."))

    # ---- the steps ---------------------------------------------------------------------------
    PICK = Step("pick", ask_pick, on_pick)
    first_step = PICK


FLOWS = [LanguageFlow()]
