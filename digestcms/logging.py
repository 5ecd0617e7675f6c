"""One JSON object per log line, for production (stdout, read by whatever collects logs)."""

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "status_code",  # shown as "status"
}
_SCALARS = (str, int, float, bool, type(None))


class JsonLinesFormatter(logging.Formatter):
    """time, level, logger, message; the request's method, path and status where Django (or
    gunicorn's access log) gives them; scalar `extra=` values; the traceback if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_request_fields(record))
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in line and isinstance(value, _SCALARS):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _request_fields(record: logging.LogRecord) -> dict:
    fields = {}
    request = getattr(record, "request", None)
    # django.request and django.security pass the request; django.server a socket instead.
    if hasattr(request, "path") and hasattr(request, "method"):
        fields["method"] = request.method
        fields["path"] = request.path
    status = getattr(record, "status_code", None)
    if isinstance(status, int):
        fields["status"] = status
    if record.name == "gunicorn.access" and isinstance(record.args, dict):
        # gunicorn logs each request with its "atoms" (m method, U path, s status, D µs).
        atoms = record.args
        fields["method"] = atoms.get("m")
        fields["path"] = atoms.get("U")
        fields["status"] = _int_or_none(atoms.get("s"))
        duration = _int_or_none(atoms.get("D"))
        if duration is not None:
            fields["duration_ms"] = round(duration / 1000, 1)
    return fields


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
