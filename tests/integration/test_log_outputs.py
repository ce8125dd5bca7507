"""Where log lines go, read back: LOG_FILE (rotated, shared by several processes) and
CloudWatch Logs through watchtower (moto's server speaking the real API)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import structlog

from registry.observability.logging import configure_logging
from registry.settings import Settings

WRITER = textwrap.dedent(
    """
    import sys
    import structlog
    from registry.observability.logging import configure_logging
    from registry.settings import Settings

    configure_logging(Settings(log_file=sys.argv[1], log_file_max_bytes=20000,
                               log_file_backups=100, log_level="INFO"))
    log = structlog.get_logger("registry.test")
    for n in range(int(sys.argv[3])):
        log.info("line", writer=sys.argv[2], n=n, padding="x" * 40)
    """
)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    yield
    configure_logging(Settings())  # the suite's own configuration again


def test_workers_share_one_rotated_log_file_without_losing_a_line(tmp_path: Path) -> None:
    log_file = tmp_path / "registry.log"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(log_file), name, "1500"], stderr=subprocess.DEVNULL
        )
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    files = sorted(tmp_path.glob("registry.log*"))
    files = [f for f in files if not f.name.endswith(".lock")]
    assert len(files) > 3  # it did rotate, several times
    seen: set[tuple[str, int]] = set()
    for path in files:
        size = path.stat().st_size
        assert size <= 20000
        if path.name != "registry.log":
            # Rotated when full, once: not again by a second worker that had not noticed.
            assert size > 20000 - 2 * 200, f"{path.name} was rotated at {size} bytes"
        for raw in path.read_text().splitlines():
            line = json.loads(raw)  # every line whole, as JSON
            seen.add((line["writer"], line["n"]))
    assert seen == {(w, n) for w in ("a", "b") for n in range(1500)}


def test_log_lines_reach_cloudwatch_as_json(s3_endpoint: str, restore_logging: None) -> None:
    group = f"registry-test-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        enable_cloudwatch=True,
        cloudwatch_log_group=group,
        aws_endpoint_url=s3_endpoint,  # moto's server answers every AWS API
        log_json=True,
    )
    configure_logging(settings)
    marker = uuid.uuid4().hex
    structlog.get_logger("registry.test").warning("cloudwatch_check", marker=marker)
    try:
        raise RuntimeError("a failure with its stack")
    except RuntimeError:
        structlog.get_logger("registry.test").exception("cloudwatch_error", marker=marker)
    for handler in logging.getLogger().handlers:
        handler.flush()
    logs = boto3.client("logs", endpoint_url=s3_endpoint, region_name="us-east-1")
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert streams, "watchtower created no stream"
    events = [
        json.loads(event["message"])
        for stream in streams
        for event in logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])[
            "events"
        ]
    ]
    ours = {e["event"]: e for e in events if e.get("marker") == marker}
    assert ours["cloudwatch_check"]["level"] == "warning"
    assert "timestamp" in ours["cloudwatch_check"]
    assert "Traceback" in ours["cloudwatch_error"]["exception"]
    assert "a failure with its stack" in ours["cloudwatch_error"]["exception"]
