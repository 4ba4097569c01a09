"""Start Rasa (``python -m bot.rasa_server run ...``) with two measured fixes for Rasa 3.6.

``bot.run`` starts Rasa through this module; the arguments are Rasa's own (``python -m rasa``).

The first fix: after every call to the action server, Rasa 3.6 checks the response against its
JSON schema with ``jsonschema.validate(result, schema)``, which first validates the *schema*
itself against the JSON-Schema meta-schema (``check_schema``) and builds a new validator, on
every call. The schema holds every Rasa event type, so this costs more than the rest of the turn:
the profile in ``docs/benchmarks.md`` shows 71% of a turn's time in it (two action calls per
turn). :func:`install_validator_cache` checks the schema once and reuses one validator; the
response is still validated in full, and an invalid response still raises the same
``ValidationError`` with Rasa's message.

The second (:func:`install_event_type_cache`): Rasa looks up an event's class by searching every
subclass of ``Event``, for every event it loads.

Besides the fixes, :func:`install` adds the action server's token header, metrics and probe
routes, and runs the language step of every message in this process
(``bot.in_process_language``) instead of calling the action server for it, and runs Rasa's
graphs without dask's scheduler (``bot.graph_runner``) and feeds the intent classifier its
sentence features without joining the unused token features (``bot.sentence_features``).
:func:`main` first keeps TensorFlow out of the process when the model needs none of it
(``bot.tensorflow_stub``), and with several Sanic workers loads the model before they are forked,
so that they share its memory (``bot.model_preload``).

Set ``STOCK_RASA=1`` to start Rasa exactly as shipped (the benchmark's baseline does).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from typing import Any, Dict, Optional, Text

from bot import (
    count_features,
    graph_runner,
    in_process_language,
    model_preload,
    past_states_cache,
    sentence_features,
)


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result`` with a validator built once."""
    if next(iter(_response_validator().iter_errors(result)), None) is None:
        return True
    return bool(_ORIGINAL_VALIDATE(self, result))  # Rasa's own path builds the exact error


_ORIGINAL_VALIDATE: Any = None


def install_validator_cache() -> None:
    """Replace ``RemoteAction._validate_action_result`` by the cached-validator version."""
    global _ORIGINAL_VALIDATE
    from rasa.core.actions.action import RemoteAction

    if _ORIGINAL_VALIDATE is None:
        _ORIGINAL_VALIDATE = RemoteAction._validate_action_result
        RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


_EVENT_TYPES: Dict[str, Any] = {}
_ORIGINAL_RESOLVE: Any = None


def _resolve_by_type(type_name: Text, default: Optional[Any] = None) -> Optional[Any]:
    """Rasa's ``Event.resolve_by_type``, remembering each class it found."""
    cached = _EVENT_TYPES.get(type_name)
    if cached is not None:
        return cached
    found = _ORIGINAL_RESOLVE(type_name, default)
    if found is not None and found is not default:
        _EVENT_TYPES[type_name] = found
    return found


def install_event_type_cache() -> None:
    """Remember the event class of each type name instead of searching every subclass each time.

    Rasa turns each stored event back into an object through ``Event.resolve_by_type``, which
    walks every subclass of ``Event`` (and checks each for being abstract) per event: 3 ms of a
    turn in the profile (``docs/benchmarks.md``). Only found classes are remembered, so an
    unknown type still raises Rasa's error.
    """
    global _ORIGINAL_RESOLVE
    from rasa.shared.core.events import Event

    if _ORIGINAL_RESOLVE is None:
        _ORIGINAL_RESOLVE = Event.resolve_by_type
        Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign,assignment]


_EMPTY_DOMAIN: Optional[Dict[Text, Any]] = None


def _domain_is_empty(self: Any) -> bool:
    """Rasa's ``Domain.is_empty``, comparing with an empty domain's dictionary built once."""
    global _EMPTY_DOMAIN
    from rasa.shared.core.domain import Domain

    if _EMPTY_DOMAIN is None:
        _EMPTY_DOMAIN = Domain.empty().as_dict()
    return bool(self.as_dict() == _EMPTY_DOMAIN)


def install_domain_empty_cache() -> None:
    """Build the empty domain ``Domain.is_empty`` compares with once, not on every message.

    Rasa checks every parse against the domain (``_check_for_unseen_features``), which first asks
    ``domain.is_empty()``; that builds a new empty ``Domain`` each time (0.25 ms of a parse in the
    profile, ``docs/benchmarks.md``). ``Domain.empty()`` always gives the same dictionary.
    """
    from rasa.shared.core.domain import Domain

    if Domain.is_empty is not _domain_is_empty:
        Domain.is_empty = _domain_is_empty  # type: ignore[method-assign]


_ORIGINAL_READ_ENDPOINTS: Any = None


def install_action_token() -> None:
    """Send ``ACTION_SERVER_TOKEN`` to the action server in its header, on every action call.

    ``endpoints.yml`` cannot name the variable (Rasa refuses a file whose ``${VAR}`` is unset, and
    the token is optional), so the header is added to the action endpoint once it is read. The
    action server (``bot.action_server``) refuses calls without it when the variable is set.
    """
    global _ORIGINAL_READ_ENDPOINTS
    from rasa.core.utils import AvailableEndpoints

    from bot.action_server import TOKEN_HEADER

    if _ORIGINAL_READ_ENDPOINTS is not None:
        return
    _ORIGINAL_READ_ENDPOINTS = AvailableEndpoints.read_endpoints

    def read_endpoints(endpoint_file: Text) -> Any:
        endpoints = _ORIGINAL_READ_ENDPOINTS(endpoint_file)
        token = os.environ.get("ACTION_SERVER_TOKEN")
        if token and endpoints.action is not None:
            endpoints.action.headers = {**endpoints.action.headers, TOKEN_HEADER: token}
        return endpoints

    AvailableEndpoints.read_endpoints = staticmethod(read_endpoints)  # type: ignore[method-assign,assignment]


_IN_TURN: Any = None
_INSTALLED_OPERABILITY = False


def install_operability() -> None:
    """Metrics, ``GET /metrics`` and ``GET /ready`` on Rasa's app, and JSON logs when asked.

    * A turn is counted once, when Rasa saves the tracker at the end of ``handle_message``
      (``bot.metrics.observe_turn``); a failed call to the action server is counted by action.
    * The two routes are added to the app Rasa builds (``rasa.core.run.configure_app``). Neither
      needs the API token: they say only "ok" or what is not ready, and counts.
    """
    global _IN_TURN, _INSTALLED_OPERABILITY
    if _INSTALLED_OPERABILITY:
        return
    _INSTALLED_OPERABILITY = True
    import contextvars

    import rasa.core.run
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.core.processor import MessageProcessor

    from bot import metrics
    from bot.action_failures import record_failure

    _IN_TURN = contextvars.ContextVar("in_turn", default=False)
    handle_message, save_tracker, remote_run = (
        MessageProcessor.handle_message, MessageProcessor.save_tracker, RemoteAction.run,
    )

    async def counted_handle_message(self: Any, message: Any) -> Any:
        token = _IN_TURN.set(True)
        try:
            return await handle_message(self, message)
        finally:
            _IN_TURN.reset(token)

    async def counted_save_tracker(self: Any, tracker: Any) -> None:
        await save_tracker(self, tracker)
        if _IN_TURN.get():
            try:
                metrics.observe_turn(tracker)
            except Exception:  # counting must never cost a user their reply
                logging.getLogger(__name__).exception("could not count a turn")

    async def counted_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await remote_run(self, *args, **kwargs)
        except ActionExecutionRejection:  # the action declined (a form's validation): not a failure
            raise
        except Exception:
            metrics.ACTION_ERRORS.labels(action=self.name()).inc()
            record_failure(self.name())
            raise

    MessageProcessor.handle_message = counted_handle_message  # type: ignore[method-assign]
    MessageProcessor.save_tracker = counted_save_tracker  # type: ignore[method-assign]
    RemoteAction.run = counted_run  # type: ignore[method-assign]

    configure_app = rasa.core.run.configure_app

    def configure_app_with_routes(*args: Any, **kwargs: Any) -> Any:
        from bot.log_format import configure_logging
        from bot.ops_routes import add_rasa_routes

        app = configure_app(*args, **kwargs)
        add_rasa_routes(app)
        from bot.handoff.relay import attach

        attach(app)  # staff messages of a live handoff reach this worker's widget sockets
        configure_logging()  # again: the Sanic app installed its own handlers
        return app

    rasa.core.run.configure_app = configure_app_with_routes


def install_strict_tracker_store() -> None:
    """Let the project's tracker store fail a turn instead of Rasa's silent in-memory fallback.

    Rasa wraps every tracker store in ``FailSafeTrackerStore``, which answers a failed ``save``
    by keeping the conversation in memory (lost at the next restart, invisible to the console,
    retention and deletion) and a failed ``retrieve`` with a new, empty conversation. Our store
    retries itself (``bot.stores.db_retry``) and raises ``StoreUnavailable`` when the database
    stays away; the channel guard (``bot.channels.guard``) then tells the user.
    """
    from rasa.core.agent import Agent

    wrap = Agent._create_tracker_store

    def create_tracker_store(store: Any, domain: Any) -> Any:
        from bot.stores.tracker_store import ConfiguredTrackerStore

        if isinstance(store, ConfiguredTrackerStore):
            store.domain = domain
            return store
        return wrap(store, domain)

    Agent._create_tracker_store = staticmethod(create_tracker_store)  # type: ignore[method-assign]


def install() -> None:
    """Install the fixes, the token header, metrics, probe routes and the in-process language step."""
    install_validator_cache()
    install_strict_tracker_store()
    install_event_type_cache()
    install_action_token()
    install_operability()
    in_process_language.install()
    graph_runner.install()
    sentence_features.install()
    count_features.install()
    past_states_cache.install()
    install_domain_empty_cache()
    model_preload.install()  # also keeps the root logger Rasa logs to intact after a model load


def install_json_cli_messages() -> None:
    """Send the Rasa command line's coloured messages (``print_error`` and co.) through logging."""
    import rasa.shared.utils.cli
    from rasa.shared.utils.io import bcolors

    levels = {bcolors.FAIL: logging.ERROR, bcolors.WARNING: logging.WARNING}
    cli_logger = logging.getLogger("rasa.cli")

    def log_message(*args: Any, color: Text) -> None:
        cli_logger.log(levels.get(color, logging.INFO), " ".join(str(arg) for arg in args))

    rasa.shared.utils.cli.print_color = log_message


def main() -> None:
    """Install the fixes, then hand over to Rasa's command line."""
    from bot.log_format import configure_logging, settings_or_exit

    settings = settings_or_exit()  # an invalid variable is one line, not a traceback
    configure_logging(settings.log_format)  # before Rasa's imports print their warnings
    if settings.log_format == "json":
        install_json_cli_messages()
    from bot.metrics import prepare_multiprocess_dir

    prepare_multiprocess_dir()  # before the Sanic workers start counting
    from bot.tensorflow_stub import install_if_unused, model_argument

    model = model_argument(sys.argv)
    install_if_unused(model)  # before anything imports Rasa
    install()
    if len(sys.argv) > 1 and sys.argv[1] == "run" and model is not None and model_preload.forked_workers() > 1:
        model_preload.preload(model)  # the forked workers share it (bot.model_preload)
    import rasa.__main__

    configure_structlog = rasa.__main__.configure_structlog

    def configure_structlog_then_ours(*args: Any, **kwargs: Any) -> None:
        configure_structlog(*args, **kwargs)
        configure_logging()  # Rasa's command line has just configured its own handlers

    rasa.__main__.configure_structlog = configure_structlog_then_ours  # type: ignore[assignment]
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
