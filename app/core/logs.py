"""Logging: one handler on the root logger, JSON or text, every line with its request id.

`configure_logging()` runs once when the app is imported (uvicorn has set up its own
logging by then, and we take it over). uvicorn's access log is off in run.sh: the
request middleware writes one line per request instead.
"""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from app.core.config import settings

# The id of the request being served; "-" outside a request (startup, shutdown).
request_id: ContextVar[str] = ContextVar("request_id", default="-")

# What an access line carries besides the message, as `extra=` fields.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms")


def _stamp_request_id(factory: Any) -> Any:
    """A LogRecord factory that stamps every record, whichever logger or handler it
    meets, with the id of the request it was logged in."""

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = factory(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    make_record.stamps_request_id = True  # type: ignore[attr-defined]
    return make_record


class PoolResetFilter(logging.Filter):
    """SQLAlchemy's pool logs, with a full traceback, a connection that died between a
    request's rollback and its return to the pool ("Exception during reset or
    similar"). The pool discards it and no request sees it: one line is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("sqlalchemy.pool") and record.exc_info:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(exc).__name__}: {exc}".replace("\n", " ")
            record.args = None
            record.exc_info = None
            record.exc_text = None
            record.levelno = logging.WARNING
            record.levelname = "WARNING"
        return True


# What could end a log line, or hide or forge part of it, for some reader: C0 and C1
# controls and DEL (NEL, U+0085, is a line break to some), and the Unicode line and
# paragraph separators. A client writes some of what is logged: the path, for one.
_LINE_BREAKERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` as one line: control characters written as escapes (a newline as \\x0a)."""
    return _LINE_BREAKERS.sub(_escaped, text)


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, the message escaped; a traceback after it keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line. json.dumps escapes C0 controls, and with
    ensure_ascii=False leaves C1 controls and U+2028/U+2029 as they are: those are
    written as \\u escapes too."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for field in ACCESS_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _LINE_BREAKERS.sub(
            lambda match: f"\\u{ord(match.group()):04x}", json.dumps(line, ensure_ascii=False)
        )


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (pytest swaps it per test)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging() -> None:
    """Install our handler on the root logger (once) and route uvicorn's logs to it."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "stamps_request_id", False):
        logging.setLogRecordFactory(_stamp_request_id(factory))
    root = logging.getLogger()
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        handler = _StderrHandler()
        handler.addFilter(PoolResetFilter())
        if settings.LOG_FORMAT == "json":
            handler.setFormatter(JsonFormatter())
        else:
            handler.setFormatter(TextFormatter(TEXT_FORMAT))
        root.addHandler(handler)
    root.setLevel(settings.LOG_LEVEL)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # app.requests writes the one line per request (app/middleware.py).
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    logging.getLogger("app").setLevel(settings.LOG_LEVEL)
