"""Structured logs (structlog): JSON in production, readable on a laptop.

Every request binds a request id (from X-Request-ID, or a fresh one) so all lines
of one request can be found together; CloudWatch gets the same lines through
watchtower when ENABLE_CLOUDWATCH=true.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from registry.settings import Settings

_configured = False


def configure_logging(settings: Settings) -> None:
    global _configured  # noqa: PLW0603 - logging is process-wide by nature
    level = getattr(logging, settings.log_level, logging.INFO)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if settings.log_file:
        handlers.append(logging.FileHandler(settings.log_file))
    if settings.enable_cloudwatch:
        import watchtower

        handlers.append(
            watchtower.CloudWatchLogHandler(
                log_group_name=settings.cloudwatch_log_group,
                boto3_client=_logs_client(settings),
                create_log_group=True,
            )
        )
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_registry", False):
            root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._registry = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("botocore", "urllib3", "httpx", "httpx2", "httpcore", "werkzeug", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    if not _configured:
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.StackInfoRenderer(),
                structlog.processors.format_exc_info,
                structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
            ],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
            cache_logger_on_first_use=True,
        )
        _configured = True


def _logs_client(settings: Settings) -> Any:
    import boto3

    return boto3.client(
        "logs", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
