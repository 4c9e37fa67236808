"""newsdigest's exceptions. Foreign exceptions (httpx, sqlite3, feedparser) are translated
where they enter, so callers catch these and show ``str(exc)`` as one clear line.

    DigestError
    ├── FetchError                 a URL or file could not be read
    │   ├── HTTPStatusError        the server answered 4xx/5xx (``status``)
    │   ├── BodyTooLarge           the body passed the size limit while streaming
    │   ├── TooManyRedirects
    │   └── NetworkError           connect/read failure or timeout, after retries
    ├── FeedError                  not a feed we can read
    ├── ExtractionError            no article could be extracted
    ├── StoreError                 the database could not be opened or written
    └── ConfigError                a bad config file or option
"""

from __future__ import annotations

__all__ = [
    "DigestError",
    "FetchError",
    "HTTPStatusError",
    "BodyTooLarge",
    "TooManyRedirects",
    "NetworkError",
    "FeedError",
    "ExtractionError",
    "StoreError",
    "ConfigError",
]


class DigestError(Exception):
    """Base of every error newsdigest raises on purpose."""


class FetchError(DigestError):
    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url


class HTTPStatusError(FetchError):
    def __init__(self, url: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(url, f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class BodyTooLarge(FetchError):
    def __init__(self, url: str, limit: int) -> None:
        super().__init__(url, f"body larger than {limit} bytes")
        self.limit = limit


class TooManyRedirects(FetchError):
    pass


class NetworkError(FetchError):
    pass


class FeedError(DigestError):
    pass


class ExtractionError(DigestError):
    pass


class StoreError(DigestError):
    pass


class ConfigError(DigestError):
    pass
