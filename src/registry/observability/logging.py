"""Structured logs (structlog): JSON in production, readable on a laptop.

Every request binds a request id (from X-Request-ID, or a fresh one) so all lines
of one request can be found together. Where the lines go:
- stderr: JSON when LOG_JSON (the default in production), else readable text;
- LOG_FILE: JSON lines, rotated at LOG_FILE_MAX_BYTES keeping LOG_FILE_BACKUPS old
  files; every worker appends to the one file (see `SharedRotatingFileHandler`);
- CloudWatch Logs through watchtower when ENABLE_CLOUDWATCH=true;
- the shared store of recent lines the dashboard reads (`attach_log_store`).
Errors carry their stack trace in the `exception` field.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from typing import Any

import structlog

from registry.settings import Settings

_configured = False
_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def json_formatter() -> logging.Formatter:
    return _formatter(structlog.processors.JSONRenderer())


def _formatter(renderer: Any) -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Lines from the standard library's loggers get their traceback here.
            structlog.processors.format_exc_info,
            renderer,
        ],
        foreign_pre_chain=_SHARED_PROCESSORS,
    )


class SharedRotatingFileHandler(RotatingFileHandler):
    """A rotating file several processes append to.

    Each write holds an exclusive lock on `<file>.lock`, reopens the file when another
    process has rotated it away, and rotates by the size of the file itself, so the
    workers neither rotate twice nor keep writing into a rotated file.
    """

    def __init__(self, filename: str, max_bytes: int, backups: int) -> None:
        super().__init__(filename, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self._lockfile = open(f"{filename}.lock", "a")  # noqa: SIM115 - held while the handler lives

    def emit(self, record: logging.LogRecord) -> None:
        fcntl.flock(self._lockfile.fileno(), fcntl.LOCK_EX)
        try:
            if self._rotated_elsewhere():
                if self.stream:
                    self.stream.close()
                self.stream = self._open()
            super().emit(record)
            if self.stream:
                self.stream.flush()
        finally:
            fcntl.flock(self._lockfile.fileno(), fcntl.LOCK_UN)

    def _rotated_elsewhere(self) -> bool:
        if not self.stream:
            return False
        try:
            on_disk = os.stat(self.baseFilename)
        except FileNotFoundError:
            return True
        mine = os.fstat(self.stream.fileno())
        return (on_disk.st_dev, on_disk.st_ino) != (mine.st_dev, mine.st_ino)

    def close(self) -> None:
        super().close()
        self._lockfile.close()


def configure_logging(settings: Settings) -> None:
    global _configured  # noqa: PLW0603 - logging is process-wide by nature
    level = getattr(logging, settings.log_level, logging.INFO)
    console = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(_formatter(console))
    handlers: list[logging.Handler] = [stderr]
    if settings.log_file:
        handlers.append(
            SharedRotatingFileHandler(
                settings.log_file, settings.log_file_max_bytes, settings.log_file_backups
            )
        )
    if settings.enable_cloudwatch:
        handlers.append(cloudwatch_handler(settings))
    for handler in handlers[1:]:
        handler.setFormatter(json_formatter())
    _replace_handlers("_registry", handlers)
    logging.getLogger().setLevel(level)
    for noisy in ("botocore", "urllib3", "httpx", "httpx2", "httpcore", "werkzeug", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    if not _configured:
        structlog.configure(
            processors=[
                *_SHARED_PROCESSORS,
                structlog.processors.StackInfoRenderer(),
                structlog.processors.format_exc_info,
                structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
            ],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
            cache_logger_on_first_use=True,
        )
        _configured = True


def attach_log_store(handler: logging.Handler | None) -> None:
    """Send this process's log lines (as JSON) to the shared store of recent lines too
    (None: to no store)."""
    if handler is not None:
        handler.setFormatter(json_formatter())
    _replace_handlers("_registry_store", [handler] if handler else [])


def _replace_handlers(mark: str, handlers: list[logging.Handler]) -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, mark, False):
            root.removeHandler(old)
            if mark == "_registry":
                old.close()
    for handler in handlers:
        setattr(handler, mark, True)
        root.addHandler(handler)


def cloudwatch_handler(settings: Settings) -> logging.Handler:
    import boto3
    import watchtower

    client = boto3.client(
        "logs",
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        # None lets boto3 find credentials itself (instance role, ~/.aws).
        aws_access_key_id=(settings.aws_credentials).get("aws_access_key_id"),
        aws_secret_access_key=(settings.aws_credentials).get("aws_secret_access_key"),
        aws_session_token=(settings.aws_credentials).get("aws_session_token"),
    )
    handler: logging.Handler = watchtower.CloudWatchLogHandler(
        log_group_name=settings.cloudwatch_log_group,
        # One stream per process; lines of one request stay together in it.
        log_stream_name="{machine_name}/{process_id}",
        boto3_client=client,
        create_log_group=True,
        send_interval=10,
    )
    return handler
