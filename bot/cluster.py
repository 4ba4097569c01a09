"""``make cluster``: several Rasa servers and action servers on one machine behind nginx.

    python -m bot.cluster              # check, train if needed, serve
    python -m bot.cluster --no-train   # serve the existing model

What runs (``CLUSTER_REPLICAS``, default 2, of each replica kind), all supervised by
``bot.run.Supervisor`` (a process that dies is restarted with backoff; see ``bot.run``):

* ``rasa-1`` .. ``rasa-N`` on ``RASA_PORT+1`` .. ``RASA_PORT+N``;
* ``actions-1`` .. ``actions-N`` on ``ACTION_PORT+1`` .. ``ACTION_PORT+N``;
* the web app on ``WEB_PORT`` (its widget page talks to nginx);
* nginx (Debian's package) on ``BIND_HOST:CLUSTER_PORT`` (default 5000) in front of all of
  them, and on ``127.0.0.1:ACTION_PORT`` in front of the action servers for the Rasa replicas
  (``deploy/nginx/cluster.conf``).

The replicas share the conversations, so the stores must be shared too: PostgreSQL for the
tracker store and Redis for the conversation locks. Both come from the environment and default to
this machine's (``postgresql://postgres@127.0.0.1:5432/postgres`` and
``redis://127.0.0.1:6379/0``, neither with a password). The event broker is used when
``EVENT_BROKER_URL`` is set; it has no default because its URL carries a password.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.run import (
    Child,
    StartupError,
    Supervisor,
    activate_channels,
    api_token,
    child_env,
    log,
    metrics_env,
    model_path,
    preflight,
    rasa_command,
    train,
)
from bot.settings import Settings

#: Stores of this machine, used when the environment names none (no password in either).
LOCAL_STORES = {
    "TRACKER_DB_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
NGINX_TEMPLATE = Path("deploy") / "nginx" / "cluster.conf"
LOCK_LIFETIME_SECONDS = 15


def cluster_environment(environ: Dict[str, str]) -> Dict[str, str]:
    """The environment with the shared stores filled in from :data:`LOCAL_STORES` where unset."""
    env = dict(environ)
    for name, default in LOCAL_STORES.items():
        if not env.get(name):
            env[name] = default
    return env


def find_nginx() -> str:
    """The nginx binary (Debian installs it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)), None
    )
    if not found:
        raise StartupError("nginx not found; install Debian's package: apt-get install nginx (or: make system-deps)")
    return found


def render_nginx_config(settings: Settings, prefix: Path) -> str:
    """``deploy/nginx/cluster.conf`` with every ``{{field}}`` filled in.

    Raises:
        StartupError: When the template names a field this function does not know.
    """
    template = (settings.project_dir / NGINX_TEMPLATE).read_text(encoding="utf-8")
    replicas = range(1, settings.cluster_replicas + 1)

    def servers(port: int) -> str:
        return "\n".join(
            f"        server 127.0.0.1:{port + n} max_fails=1 fail_timeout=5s;" for n in replicas
        )

    fields = {
        "prefix": str(prefix),
        "rasa_servers": servers(settings.rasa_port),
        "action_servers": servers(settings.action_port),
        "web_port": str(settings.web_port),
        "bind_host": settings.host,
        "listen_port": str(settings.cluster_port),
        "actions_port": str(settings.action_port),
    }
    text = template
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        unknown = text[text.index("{{") : text.index("}}", text.index("{{")) + 2]
        raise StartupError(f"{NGINX_TEMPLATE}: unknown field {unknown}")
    return text


def build_cluster(settings: Settings, model: Path, token: str, credentials: Path) -> List[Child]:
    """The replicas, the web app and nginx."""
    prefix = settings.var_dir / "cluster" / "nginx"
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(render_nginx_config(settings, prefix), encoding="utf-8")
    children: List[Child] = []
    for n in range(1, settings.cluster_replicas + 1):
        port = settings.action_port + n
        children.append(
            Child(f"actions-{n}", [sys.executable, "-m", "bot.action_server"],
                  f"http://127.0.0.1:{port}/health", env={"ACTION_PORT": str(port)})
        )
    for n in range(1, settings.cluster_replicas + 1):
        port = settings.rasa_port + n
        children.append(
            Child(f"rasa-{n}", rasa_command(replace(settings, rasa_port=port), model, token, credentials),
                  f"http://127.0.0.1:{port}/status?token={token}",
                  env={"RASA_PORT": str(port), **metrics_env(settings, f"rasa-{n}")})
        )
    # The widget page points the browser at nginx; Sanic trusts nginx's X-Forwarded-For (one
    # proxy), so the console's sign-in throttling sees the real client address.
    children.append(
        Child("web", [sys.executable, "-m", "bot.web"], f"http://127.0.0.1:{settings.web_port}/health",
              env={"RASA_PORT": str(settings.cluster_port), "SANIC_PROXIES_COUNT": "1", **metrics_env(settings, "web")})
    )
    children.append(
        Child("nginx", [find_nginx(), "-p", str(prefix), "-c", str(config), "-g", "daemon off;"],
              f"http://127.0.0.1:{settings.cluster_port}/nginx-health")
    )
    return children


def announce(settings: Settings) -> None:
    """Print the READY line of the cluster."""
    host = "localhost" if settings.host in ("127.0.0.1", "0.0.0.0") else settings.host
    base = f"http://{host}:{settings.cluster_port}"
    log("cluster", f"READY  {settings.cluster_replicas} Rasa and {settings.cluster_replicas} action replicas behind "
        f"nginx: chat: {base}/  rest: {base}/webhooks/rest/webhook  socket.io: {base}/socket.io  (Ctrl-C stops all)")


class ClusterSupervisor(Supervisor):
    """The runner's supervisor with the cluster's READY line."""

    def announce(self) -> None:
        """Print the READY line with the cluster's URLs."""
        announce(self.settings)


def serve_cluster(settings: Settings, no_train: bool = False) -> int:
    """Check, train if needed, then run the cluster until Ctrl-C."""
    if not settings.redis_url:
        raise StartupError("the cluster needs REDIS_URL: its replicas share conversation locks in Redis")
    if settings.tracker_db_url.startswith("sqlite"):
        raise StartupError("the cluster needs a PostgreSQL TRACKER_DB_URL: its replicas share the conversations")
    find_nginx()
    preflight(settings)
    credentials = activate_channels(settings, child_env(settings))
    model = model_path(settings) if no_train else train(settings)
    if not model.exists():
        raise StartupError(f"no trained model at {model.relative_to(settings.project_dir)}; run 'make train'")
    token = api_token(settings)
    env = child_env(settings, {"RASA_API_TOKEN": token, "SANIC_WORKERS": "1"})
    # Every Rasa replica calls the action servers through nginx's internal port.
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{settings.action_port}/webhook"
    # A replica that dies mid-turn leaves its conversation's lock in Redis; the next turn of that
    # conversation waits until the lock expires (Rasa's default: 60 s). 15 s is far above the
    # longest turn measured under load (docs/benchmarks.md) and keeps that wait short.
    env.setdefault("TICKET_LOCK_LIFETIME", str(LOCK_LIFETIME_SECONDS))
    return ClusterSupervisor(settings, build_cluster(settings, model, token, credentials)).run(env)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``python -m bot.cluster``."""
    parser = argparse.ArgumentParser(prog="python -m bot.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-train", action="store_true", help="serve the existing model; never train")
    args = parser.parse_args(argv)
    os.environ.update(cluster_environment(dict(os.environ)))
    settings = Settings.from_env()
    try:
        return serve_cluster(settings, no_train=args.no_train)
    except StartupError as error:
        log("cluster", f"error: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
