"""A server a test starts binds its own port and says which: never one picked beforehand."""

from pathlib import Path

import pytest
import requests

from tests.utils.processes import running_service

pytestmark = pytest.mark.e2e


def test_servers_started_side_by_side_each_answer_on_the_port_they_report(
    tmp_path: Path,
) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()

    with (
        running_service(first_dir, DATABASE_URL=f"sqlite:///{first_dir / 'app.db'}") as first,
        running_service(second_dir, DATABASE_URL=f"sqlite:///{second_dir / 'app.db'}") as second,
    ):
        answers = [requests.get(f"{url}/health/live", timeout=10) for url in (first, second)]

    assert first != second
    assert [answer.status_code for answer in answers] == [200, 200]
    for workdir, url in ((first_dir, first), (second_dir, second)):
        assert f"Uvicorn running on {url} " in (workdir / "server.log").read_text()
