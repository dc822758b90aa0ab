"""A lecture hall: N replicas of the app on localhost behind Debian's nginx.

    .venv/bin/python -m scripts.hall [--replicas 3] [--port 8500]

Each replica is a plain `streamlit run app/main.py` on its own port. nginx (the stock package, no
plus modules) sits in front on --port and keeps every browser on one replica (Streamlit holds a
session per websocket, and its uploads and downloads live in that process's memory): the first
request goes round the replicas, and a cookie `lm_replica` names the replica that answered; later
requests go there. A replica that does not answer is skipped for the next one in a ring (nginx's
passive check), and the cookie follows the replica that did answer.
This script is the active health check nginx lacks: every second it asks each replica's
`/_stcore/health`, marks one that fails `down` (nginx reloads its configuration without dropping
connections) and starts it again; back to health, it is marked up. A page whose replica died
reconnects through nginx to another one, whose new session reads the scene from the page's link
(the link is the state), so the student gets the same scene back.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
COOKIE = "lm_replica"
HEALTH_EVERY_S = 1.0
COMPOSE_SUBNET = "172.28.0"  # compose.yaml's network: replica i at .11 + i
START_TIMEOUT_S = 90.0


def nginx_conf(port: int, addresses: Sequence[str], run_dir: str | None, down: frozenset[int] = frozenset(),
               listen_host: str = "127.0.0.1") -> str:
    """nginx's configuration for replicas at `addresses` (host:port): an upstream per replica whose
    backups are the others in ring order, one `any` upstream for a newcomer, the cookie naming
    whichever answered. run_dir: where the pid, logs and temporary files go (None: nginx's own
    defaults, as in a container)."""
    names = [f"r{i + 1}" for i in range(len(addresses))]
    lines = []
    if run_dir is not None:
        lines += [f"pid {run_dir}/nginx.pid;", f"error_log {run_dir}/error.log warn;"]
    lines += ["worker_processes 1;", "events { worker_connections 4096; }", "http {"]
    if run_dir is not None:
        lines += [f"    access_log {run_dir}/access.log;"]
        lines += [f"    {kind}_temp_path {run_dir}/tmp/{kind};"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")]
    lines += [
        "    # a websocket upgrade passes through; a plain request keeps its connection closed",
        "    map $http_upgrade $connection_upgrade { default upgrade; '' close; }",
        "    # the replica a browser's cookie names, or any for a newcomer",
        f"    map $cookie_{COOKIE} $lm_upstream {{",
        *[f"        {name} {name};" for name in names],
        "        default any;",
        "    }",
        "    # the replica that answered (the last address nginx tried), for the cookie",
        "    map $upstream_addr $lm_answered {",
        *[f"        ~(^|\\s){address.replace('.', '[.]')}$ {name};" for name, address in zip(names, addresses)],
        "        default '';",
        "    }",
    ]
    for i, name in enumerate(names):
        ring = [(i + k) % len(addresses) for k in range(len(addresses))]
        lines.append(f"    upstream {name} {{")
        for k, j in enumerate(ring):
            state = " down" if j in down else (" backup" if k else "")
            lines.append(f"        server {addresses[j]} max_fails=1 fail_timeout=5s{state};")
        lines.append("    }")
    lines.append("    upstream any {")
    lines += [f"        server {address} max_fails=1 fail_timeout=5s{' down' if j in down else ''};"
              for j, address in enumerate(addresses)]
    lines += [
        "    }",
        "    server {",
        f"        listen {listen_host}:{port};",
        "        # the data page takes CSVs of at most 1 MB (.streamlit/config.toml)",
        "        client_max_body_size 2m;",
        "        location / {",
        "            proxy_pass http://$lm_upstream;",
        "            proxy_http_version 1.1;",
        "            proxy_set_header Upgrade $http_upgrade;",
        "            proxy_set_header Connection $connection_upgrade;",
        "            proxy_set_header Host $host;",
        "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "            # a websocket lives as long as its page",
        "            proxy_read_timeout 1d;",
        "            proxy_send_timeout 1d;",
        "            proxy_buffering off;",
        "            # a dead replica refuses at once: try the next in the ring",
        "            proxy_connect_timeout 2s;",
        "            proxy_next_upstream error timeout http_502 http_503;",
        f"            add_header Set-Cookie \"{COOKIE}=$lm_answered; Path=/; HttpOnly; SameSite=Lax\" always;",
        "        }",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 now (the tests run several halls side by side)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _healthy(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/_stcore/health", timeout=1.0) as reply:
            return reply.status == 200
    except OSError:
        return False


@dataclass
class Hall:
    """Running replicas and their nginx; `url` is the hall's address."""

    port: int
    replica_ports: list[int]
    run_dir: Path
    env: dict[str, str]
    replicas: list[subprocess.Popen] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    down: frozenset[int] = frozenset()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def addresses(self) -> list[str]:
        return [f"127.0.0.1:{port}" for port in self.replica_ports]

    def start_replica(self, i: int) -> subprocess.Popen:
        # each replica's console to its own log: the hall's console says only what the hall does
        with open(self.run_dir / f"r{i + 1}.log", "ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(self.replica_ports[i]),
                 "--server.address", "127.0.0.1", "--server.headless", "true"],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=self.env)

    def write_conf(self) -> Path:
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_conf(self.port, self.addresses, str(self.run_dir), self.down))
        return conf

    def check(self) -> list[str]:
        """One round of health checks: restart what died, mark down what does not answer (and up
        again what does); returns what changed, as sentences for the console."""
        news = []
        down = set()
        for i, process in enumerate(self.replicas):
            if process.poll() is not None:
                news.append(f"replica r{i + 1} exited ({process.returncode}): starting it again")
                self.replicas[i] = self.start_replica(i)
                down.add(i)
            elif not _healthy(self.addresses[i]):
                down.add(i)
        if frozenset(down) != self.down:
            gone, back = down - self.down, self.down - down
            news += [f"replica r{i + 1} is down" for i in sorted(gone)]
            news += [f"replica r{i + 1} is healthy again" for i in sorted(back)]
            self.down = frozenset(down)
            self.write_conf()
            # HUP: nginx reads its configuration again, keeping open connections
            self.nginx.send_signal(signal.SIGHUP)
        return news

    def supervise(self, stop: threading.Event) -> None:
        """Check health every HEALTH_EVERY_S until `stop` is set, printing what changed."""
        while not stop.wait(HEALTH_EVERY_S):
            for sentence in self.check():
                print(time.strftime("%H:%M:%S"), sentence, flush=True)

    def replica_of(self, cookie: str | None) -> int | None:
        """The replica a browser's `lm_replica` cookie names (None for none)."""
        names = [f"r{i + 1}" for i in range(len(self.replicas))]
        return names.index(cookie) if cookie in names else None

    def kill(self, i: int) -> None:
        """Kill replica i at once, as a crash would (the tests' failover)."""
        self.replicas[i].kill()
        self.replicas[i].wait()


@contextmanager
def running_hall(replicas: int = 3, port: int = 8500, first_replica_port: int | None = 8601,
                 run_dir: Path | None = None) -> Iterator[Hall]:
    """Start the replicas and nginx; yields the Hall once every replica is healthy, stops all after.
    first_replica_port None: any free ports."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is not installed: apt-get install nginx")
    run_dir = Path(run_dir or ROOT / ".hall")
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / "tmp" / kind).mkdir(parents=True, exist_ok=True)
        # nginx's workers drop root for nobody: they must still write their buffers here
        os.chmod(run_dir / "tmp" / kind, 0o777)
    # one cookie secret for all: a page's XSRF cookie from one replica still holds on another
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    ports = free_ports(replicas) if first_replica_port is None else [first_replica_port + i for i in range(replicas)]
    hall = Hall(port, ports, run_dir, env)
    try:
        hall.replicas = [hall.start_replica(i) for i in range(replicas)]
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(_healthy(address) for address in hall.addresses):
            if any(p.poll() is not None for p in hall.replicas) or time.monotonic() > deadline:
                raise RuntimeError("a replica did not start (is its port free?)")
            time.sleep(0.3)
        conf = hall.write_conf()
        hall.nginx = subprocess.Popen([NGINX, "-p", str(run_dir), "-c", str(conf), "-g", "daemon off;"])
        while not _healthy(f"127.0.0.1:{port}"):
            if hall.nginx.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start on port {port}: see {run_dir}/error.log")
            time.sleep(0.2)
        yield hall
    finally:
        for process in [hall.nginx, *hall.replicas]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [hall.nginx, *hall.replicas]:
            if process is not None:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.hall", description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=3, help="app processes (default 3)")
    parser.add_argument("--port", type=int, default=8500, help="nginx's port, the hall's address (default 8500)")
    parser.add_argument("--first-replica-port", type=int, default=8601,
                        help="replica i listens on this port + i (default 8601)")
    parser.add_argument("--compose-conf", action="store_true",
                        help="print the nginx configuration compose.yaml uses, and exit")
    args = parser.parse_args(argv)
    if args.compose_conf:
        # fixed addresses (compose.yaml's network): nginx names the replica that answered by its address
        print(nginx_conf(80, [f"{COMPOSE_SUBNET}.{11 + i}:8501" for i in range(args.replicas)], None,
                         listen_host="0.0.0.0"), end="")
        return
    if not 1 <= args.replicas <= 32:
        parser.error("--replicas must be 1 to 32")
    with running_hall(args.replicas, args.port, args.first_replica_port) as hall:
        print(f"Loss Mountain hall: {args.replicas} replicas behind nginx at {hall.url} (Ctrl-C stops all);"
              f" their logs in {hall.run_dir}", flush=True)
        try:
            hall.supervise(threading.Event())
        except KeyboardInterrupt:
            print("stopping the hall", flush=True)


if __name__ == "__main__":
    main()
