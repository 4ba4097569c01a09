"""The project's web app (port 8080): the widget demo page, later the staff console.

Built by a factory so that tests create it with their own settings.
"""

from __future__ import annotations

from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import Settings, get_settings

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aalborg newcomer assistant</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5;
       color: #1b1b1b; }}
code {{ background: #f2f2f2; padding: 0.1rem 0.3rem; }}
</style>
</head>
<body>
<main>
<h1>Aalborg newcomer assistant</h1>
<p>The assistant is running. The chat widget and the staff console will live here.</p>
<p>Talk to it over REST:</p>
<pre><code>curl -s localhost:{rasa_port}/webhooks/rest/webhook \\
  -H 'Content-Type: application/json' \\
  -d '{{"sender":"me","message":"Where is International House North Denmark?"}}'</code></pre>
</main>
</body>
</html>
"""


def create_app(settings: Optional[Settings] = None, name: str = "aalborg_web") -> Sanic:
    """Create the web app.

    Args:
        settings: The settings; read from the environment when omitted.
        name: The Sanic app name (unique per process).

    Returns:
        The app.
    """
    settings = settings or get_settings()
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    app.ctx.settings = settings

    @app.get("/")
    async def index(_: Request) -> HTTPResponse:
        return response.html(_PAGE.format(rasa_port=settings.rasa_port))

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return app
