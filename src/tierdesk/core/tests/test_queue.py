"""The task queue: the database-backed queue by default, Redis when TIERDESK_REDIS_URL is set."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

ROUND_TRIP = """
import django, os
django.setup()
from huey.contrib.djhuey import HUEY
HUEY.flush()

@HUEY.task()
def add(a, b):
    return a + b

result = add(2, 3)
task = HUEY.dequeue()
HUEY.execute(task)
print(type(HUEY).__name__, result.get(blocking=True, timeout=5))
"""


def run_round_trip(tmp_path, **env: str) -> str:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
        "TIERDESK_DATA_DIR": str(tmp_path),
        **env,
    }
    if "TIERDESK_REDIS_URL" not in env:
        environment.pop("TIERDESK_REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", ROUND_TRIP],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_embedded_queue_is_a_sqlite_file_in_the_data_dir(tmp_path):
    assert run_round_trip(tmp_path) == "SqliteHuey 5"
    assert (tmp_path / "queue.sqlite3").exists()


@pytest.mark.skipif(
    not os.environ.get("TIERDESK_TEST_REDIS"),
    reason="TIERDESK_TEST_REDIS is not set: Redis queue not tested",
)
def test_redis_queue_when_configured(tmp_path):
    output = run_round_trip(
        tmp_path,
        TIERDESK_REDIS_URL=os.environ["TIERDESK_TEST_REDIS"],
        TIERDESK_QUEUE_NAME=f"tierdesk-test-{uuid.uuid4().hex[:8]}",
    )
    assert output == "RedisHuey 5"
