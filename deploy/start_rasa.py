"""Start one Rasa server in a container: ``python -m deploy.start_rasa [more of Rasa's arguments]``.

The Rasa command of ``deploy/compose.yaml`` and ``deploy/k8s/rasa.yaml``, run from the project
root (the image's working directory, ``/app``), so ``bot`` is imported from there. It does what
``make run`` does just before it starts Rasa (``bot/run.py``), with ``bot.run``'s own functions,
so the two cannot drift apart:

1. It writes ``$VAR_DIR/credentials.active.yml``: the channels of ``credentials.yml`` whose
   variables are all set. Rasa stops on an unset ``${VAR}``, so ``credentials.yml`` itself cannot
   be passed. The placeholders are kept: no secret is written to disk.
2. It replaces itself with ``python -m bot.rasa_server run --model models --enable-api
   --auth-token=... --interface BIND_HOST --port RASA_PORT --credentials <that file>
   --endpoints endpoints.yml --cors *`` (``bot.run.rasa_command``) in the environment ``make run``
   gives its children (``bot.run.child_env``). ``--model`` names the folder: the image holds one
   model, ``model-<fingerprint>.tar.gz``, and Rasa loads the newest it finds there.

The start-up checks of ``make run`` that need other servers (database, Redis, broker) are left
out: Rasa's tracker store waits up to 10 s for the database and otherwise exits, and the
container is restarted (compose's restart policy, the pod's); once it serves, the readiness probe
(``GET /ready``) says whether its database and the action server answer. A missing
``RASA_API_TOKEN`` or a partly configured channel stops it with one ``error:`` line.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.channels.active import ACTIVE_FILE_NAME, ChannelConfigError, write_active_credentials
from bot.run import child_env, metrics_env, rasa_command
from bot.settings import Settings, get_settings


class StartError(Exception):
    """The server cannot start with these settings; the message is one line."""


def prepare(settings: Settings, extra_args: Sequence[str] = ()) -> Tuple[List[str], Dict[str, str]]:
    """Write the active channels' credentials and return the Rasa server's command and environment.

    Args:
        settings: The settings, read from the container's environment.
        extra_args: More arguments for Rasa's command line, appended as given.

    Returns:
        The command line and the environment to run it with.

    Raises:
        StartError: When ``RASA_API_TOKEN`` is unset, several workers have no Redis for their
            locks, or a channel is partly configured.
    """
    token = settings.rasa_api_token
    if not token:
        raise StartError("set RASA_API_TOKEN: the token of Rasa's HTTP API (no default)")
    # One worker per container unless asked: replicas scale a deployment, and replicas share
    # their locks only through Redis.
    workers = settings.rasa_workers or 1
    if workers > 1 and not settings.redis_url:
        raise StartError(f"RASA_WORKERS={workers} needs REDIS_URL: the workers share conversation locks")
    credentials = settings.var_dir / ACTIVE_FILE_NAME
    env = child_env(settings, {"SANIC_WORKERS": str(workers), "RASA_WORKERS": str(workers)})
    try:
        labels = write_active_credentials(settings.project_dir / "credentials.yml", credentials, env)
    except ChannelConfigError as error:
        raise StartError(str(error)) from None
    print(f"channels: {', '.join(labels) or 'none'}", flush=True)
    if workers > 1:  # /metrics adds up the workers' counters (bot/metrics.py)
        metrics = metrics_env(settings, "rasa")
        folder = Path(metrics["PROMETHEUS_MULTIPROC_DIR"])
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        env.update(metrics)
    command = rasa_command(settings, settings.models_dir, token, credentials)
    return [*command, *extra_args], env


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Prepare, then replace this process with the Rasa server; 1 with one line on a problem."""
    try:
        command, env = prepare(get_settings(), sys.argv[1:] if argv is None else argv)
    except (StartError, ValueError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    os.execve(command[0], command, env)
    return 0  # not reached: execve replaces the process


if __name__ == "__main__":
    sys.exit(main())
