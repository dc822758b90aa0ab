"""A lecture hall (scripts/hall.py): three replicas behind Debian's nginx. Ten Chromium sessions,
each on its own scene; one replica is killed mid-run; every session on it must come back showing
its own scene within 10 s, none lost, none mixed up, and the others must not notice."""

import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from bench.hall import BACK_WITHIN_S, SCENES, failover
from scripts.hall import NGINX, free_ports, main as hall_main, nginx_conf, running_hall
from tests.browser import require_chromium

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_CONF = ROOT / "scripts" / "compose-nginx.conf"


def require_nginx() -> None:
    """Fail under CI=true (skip elsewhere) when Debian's nginx is missing."""
    if not Path(NGINX).exists():
        message = "Debian's nginx is not installed (apt-get install -y nginx)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _replica_cookie(reply) -> str:
    """The hall's own cookie among those a reply sets (Streamlit sets its XSRF cookie too)."""
    (cookie,) = [c.split(";")[0] for c in reply.headers.get_all("Set-Cookie") if c.startswith("lm_replica=")]
    return cookie


def test_the_nginx_configuration_is_valid_and_the_compose_copy_is_current(tmp_path, capsys):
    require_nginx()
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(8500, ["127.0.0.1:8601", "127.0.0.1:8602", "127.0.0.1:8603"], str(tmp_path),
                               down=frozenset({1})))
    checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    # the replica that is down is no upstream's first choice, nor a newcomer's
    assert conf.read_text().count("127.0.0.1:8602 max_fails=1 fail_timeout=5s down;") == 4
    hall_main(["--compose-conf"])
    assert capsys.readouterr().out == COMPOSE_CONF.read_text(), "run: python -m scripts.hall --compose-conf"


def test_a_hall_sends_a_newcomer_round_the_replicas_and_keeps_each_browser_on_one(tmp_path):
    require_nginx()
    with running_hall(3, port=free_ports(1)[0], first_replica_port=None, run_dir=tmp_path) as hall:
        cookies = []
        for _ in range(6):
            with urllib.request.urlopen(hall.url + "/_stcore/health") as reply:
                cookies.append(_replica_cookie(reply))
        assert sorted(set(cookies)) == ["lm_replica=r1", "lm_replica=r2", "lm_replica=r3"]
        # a browser that has a replica's cookie stays there
        ask = urllib.request.Request(hall.url + "/_stcore/health", headers={"Cookie": "lm_replica=r2"})
        for _ in range(4):
            with urllib.request.urlopen(ask) as reply:
                assert _replica_cookie(reply) == "lm_replica=r2"
        # r2 dies: its browsers are answered by the next in the ring, and their cookie follows
        hall.kill(1)
        with urllib.request.urlopen(ask) as reply:
            assert reply.status == 200 and _replica_cookie(reply) == "lm_replica=r3"
        # the health check restarts it and marks it down, then up once it answers
        news = hall.check()
        assert news == ["replica r2 exited (-9): starting it again", "replica r2 is down"]
        deadline = time.monotonic() + 60
        while "replica r2 is healthy again" not in news:
            assert time.monotonic() < deadline, "the restarted replica never answered"
            time.sleep(0.5)
            news = hall.check()


@pytest.mark.browser
def test_ten_sessions_over_three_replicas_survive_a_crash_with_their_own_scenes(tmp_path):
    require_chromium()
    require_nginx()
    result = failover(3, run_dir=tmp_path)
    print(result)
    moved = [k for k in range(len(SCENES)) if result.placed[k] == result.victim]
    assert None not in result.placed and len(set(result.placed)) == 3, result.placed
    assert moved and result.lost == () and result.mixed == (), result
    assert sorted(result.back_after) == moved and max(result.back_after.values()) <= BACK_WITHIN_S
    # each step-by-step session that moved went on from its own step on the new replica
    assert result.stepped and all(after == before + 1 for before, after in result.stepped.values())
    assert result.disturbed == ()
