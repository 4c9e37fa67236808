"""User-facing wording, in one place (as Bolt keeps its messages in one module)."""

HELP_INTRO = "I read your news sources and tell you who said what."

COMMANDS: list[tuple[str, str]] = [
    ("/who NAME", "who is this: role, quotes, articles"),
    ("/digest [TOPIC]", "stories since your last digest (or the last 24 h)"),
    ("/latest [N]", "the N newest articles"),
    ("/search QUERY", "articles containing every word"),
    ("/subscribe [KEYWORDS]", "a morning digest in this chat (optionally only stories with these words)"),
    ("/unsubscribe", "stop this chat's digests and alerts"),
    ("/settings [tz=Area/City] [time=HH:MM] [mode=digest|alerts|both]", "show or change this chat's settings"),
    ("/sources [add URL | remove URL]", "list sources; admins can add and remove"),
    ("/help", "this list"),
]

WHO_USAGE = "Usage: /who NAME, for example /who Yermak"
WHO_USAGE_CLI = "give a name, for example: newsdigest who Yermak"
ASK_USAGE = 'give a chat command, for example: newsdigest ask "/who Yermak" (newsdigest ask /help lists them)'
WHO_UNKNOWN = "I don't know anyone called “{query}” yet."
SEARCH_USAGE = "Usage: /search QUERY, for example /search rare earth"
LATEST_BAD_N = "Usage: /latest [N] with N between 1 and 50"
SEARCH_EMPTY = "No article mentions “{query}”."
LATEST_EMPTY = "No articles stored yet. Add a source with /sources add URL."
UNKNOWN_COMMAND = "Unknown command /{command}. Try /help."
NOT_ALLOWED = "Only an admin of this chat can {action}."
SUBSCRIBED = "Subscribed: a digest at {time} ({tz}){keywords}."
RESUBSCRIBED = "Subscription updated: a digest at {time} ({tz}){keywords}."
UNSUBSCRIBED = "Unsubscribed. No more digests or alerts here."
NOT_SUBSCRIBED = "This chat has no subscription. Use /subscribe."
SETTINGS_SAVED = "Settings saved."
BAD_TIMEZONE = "Unknown time zone “{value}”. Use an IANA name such as Europe/Kyiv or America/New_York."
BAD_TIME = "Digest time must be HH:MM (24-hour), not “{value}”."
BAD_MODE = "Mode must be digest, alerts or both, not “{value}”."
BAD_SETTING = "Unknown setting “{value}”. Use tz=…, time=… or mode=…"
SOURCE_ADDED = "Source added: {url}"
SOURCE_EXISTS = "Already a source: {url}"
SOURCE_REMOVED = "Source removed: {url}"
SOURCE_UNKNOWN = "No such source: {url}"
SOURCES_USAGE = "Usage: /sources, /sources add URL, /sources remove URL"
SOURCE_BAD_URL = "Not an http(s) URL: {url}"
SOURCE_REFUSED = "This address cannot be added as a source."  # names no resolved address
SOURCE_FAILING = "could not be fetched"  # never the raw error: it would work as a port scanner
LOCAL_SOURCE = "a local source"  # never the path
OPERATOR_ONLY = "Only the bot's configured admins can {action}."


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """"1 error", "2 errors", "0 errors" (``plural_form`` for irregular words)."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def latest_title(count: int) -> str:
    """Title of the /latest answer: "Latest 1 article", "Latest 5 articles"."""
    return f"Latest {plural(count, 'article')}"


NO_SOURCES_HINT = "No sources yet: add one with `newsdigest sources add URL` (a feed, a page, a file or a folder)."
DEMO_ADDED = ("Added the bundled demo articles as a source, and this terminal as a subscribed chat, "
              "in this database. `newsdigest sources remove demo` removes both; "
              "`newsdigest run --no-demo` keeps the demo out.")
