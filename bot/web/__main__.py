"""Run the web app: ``python -m bot.web`` (``make run`` starts it for you)."""

from __future__ import annotations

from bot.log_format import configure_logging, settings_or_exit
from bot.metrics import prepare_multiprocess_dir
from bot.web.app import create_app


def main() -> None:
    """Serve the web app on the configured host and port."""
    settings = settings_or_exit()  # an invalid variable is one line, not a traceback
    prepare_multiprocess_dir()
    app = create_app(settings)
    configure_logging(settings.log_format)  # after Sanic set up its loggers
    app.run(host=settings.host, port=settings.web_port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
