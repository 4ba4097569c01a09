"""Microsoft Bot Framework (Teams and the other Azure Bot Service channels), fully verified.

Every activity comes with ``Authorization: Bearer <JWT>`` signed by a key from the Bot
Framework's published key set. Rasa 3.6's ``BotFrameworkInput`` fetches that key set in its
constructor (the server cannot start without internet), takes the algorithm from the token's own
header and checks only the audience. This channel:

* fetches the OpenID configuration and key set lazily, with a time limit, refreshed daily and
  when an unknown key id appears (at most every 5 minutes); ``BOTFRAMEWORK_OPENID_URL`` points
  elsewhere (national clouds, tests);
* accepts only RS256 tokens with ``iss`` = ``https://api.botframework.com``, ``aud`` = the app
  id, a valid ``exp``/``nbf`` (5 minutes of clock skew), a ``serviceUrl`` claim equal to the
  activity's ``serviceUrl`` (replies, with our access token, go there) and, when the key lists
  endorsements, the activity's ``channelId`` among them;
* refuses with 401 JSON errors (403 for a valid token that does not fit the activity) before
  the activity reaches the assistant, and refuses malformed activities with 400.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

import jwt
import requests
from rasa.core.channels.botframework import BotFramework, BotFrameworkInput
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.delivery import BestEffortDelivery
from bot.channels.guard import InvalidMessage, channel_blueprint, guard
from bot.channels.verification import invalid, json_object, refuse
from bot.settings import get_settings

logger = logging.getLogger(__name__)

ISSUER = "https://api.botframework.com"
KEYS_MAX_AGE_SECONDS = 24 * 3600
REFETCH_INTERVAL_SECONDS = 5 * 60
CLOCK_SKEW_SECONDS = 5 * 60
FETCH_TIMEOUT_SECONDS = 10

Refusal = Tuple[int, str, str]


class KeySet:
    """The Bot Framework's signing keys, fetched from an OpenID configuration when needed."""

    def __init__(self, openid_url: str) -> None:
        self.openid_url = openid_url
        self.keys: Dict[str, Dict[str, Any]] = {}
        self.fetched_at = 0.0
        self.attempted_at = -float("inf")

    def fetch(self) -> None:
        """Download the configuration, then its ``jwks_uri`` key set (blocking).

        Raises:
            requests.RequestException: If either cannot be fetched.
            ValueError: If either is not the expected JSON.
        """
        configuration = requests.get(self.openid_url, timeout=FETCH_TIMEOUT_SECONDS)
        configuration.raise_for_status()
        keys = requests.get(configuration.json()["jwks_uri"], timeout=FETCH_TIMEOUT_SECONDS)
        keys.raise_for_status()
        self.keys = {key["kid"]: key for key in keys.json()["keys"]}
        self.fetched_at = time.monotonic()

    async def get(self, kid: str) -> Optional[Dict[str, Any]]:
        """The key with id ``kid``, refreshing the set when it is old or lacks that key.

        Args:
            kid: The key id from the token's header.

        Returns:
            The JWK, or None when unknown (or the key set cannot be fetched).
        """
        now = time.monotonic()
        stale = now - self.fetched_at > KEYS_MAX_AGE_SECONDS
        if (stale or kid not in self.keys) and now - self.attempted_at > REFETCH_INTERVAL_SECONDS:
            self.attempted_at = now
            try:
                await asyncio.to_thread(self.fetch)
            except (requests.RequestException, ValueError, KeyError, TypeError) as error:
                logger.error("botframework: cannot fetch the signing keys from %s: %s", self.openid_url, error)
        return self.keys.get(kid)


class BotFrameworkReplies(BestEffortDelivery, BotFramework):
    """The Bot Framework output channel; a reply the service does not accept is logged."""


class VerifiedBotFrameworkInput(BotFrameworkInput):
    """Rasa's Bot Framework channel with complete token checks and no network calls at start-up."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Build the channel from ``app_id`` and ``app_password``; keys from ``BOTFRAMEWORK_OPENID_URL``."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        return cls(credentials.get("app_id") or "", credentials.get("app_password") or "")

    def __init__(self, app_id: str, app_password: str, openid_url: Optional[str] = None) -> None:
        # Rasa's constructor downloads the key set; ours fetches it on the first request.
        self.app_id = app_id
        self.app_password = app_password
        self.key_set = KeySet(openid_url or get_settings().botframework_openid_url)

    async def check_token(self, authorization: Optional[str], activity: Dict[str, Any]) -> Optional[Refusal]:
        """Check the bearer token of a request against the activity it carries.

        Args:
            authorization: The ``Authorization`` header.
            activity: The activity (the request's JSON body).

        Returns:
            None when valid, else ``(status, code, message)``.
        """
        if not authorization or not authorization.startswith("Bearer "):
            return 401, "missing_token", "an 'Authorization: Bearer <token>' header is required"
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return 401, "bad_token", "the bearer token is not a JWT"
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            return 401, "bad_token", "the token must be RS256 with a key id"
        jwk = await self.key_set.get(header["kid"])
        if jwk is None:
            return 401, "unknown_key", "the token is signed by an unknown key"
        try:
            claims = jwt.decode(
                token,
                key=jwt.PyJWK(jwk, algorithm="RS256"),
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=ISSUER,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, ValueError) as error:
            return 401, "bad_token", f"the token is not valid: {error}"
        if claims.get("serviceUrl") != activity.get("serviceUrl"):
            return 403, "service_url_mismatch", "the token's serviceUrl differs from the activity's"
        endorsements = jwk.get("endorsements")
        if isinstance(endorsements, list) and activity.get("channelId") not in endorsements:
            return 403, "channel_not_endorsed", "the signing key is not endorsed for the activity's channel"
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes: ``GET /`` (health) and ``POST /webhook`` (verified activities)."""
        handle = guard(on_new_message)
        webhook = channel_blueprint("verified_botframework_webhook")
        channel = self.name()

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not request.headers.get("Authorization"):
                return refuse(401, "missing_token", "an 'Authorization: Bearer <token>' header is required", channel)
            try:
                activity = json_object(request)
            except InvalidMessage as error:
                return invalid(error, channel)
            problem = await self.check_token(request.headers.get("Authorization"), activity)
            if problem:
                return refuse(*problem, channel)
            try:
                fields = message_fields(activity)
            except InvalidMessage as error:
                return invalid(error, channel)
            if fields is None:
                return response.json({"status": "ignored"})
            text, sender = fields
            out_channel = BotFrameworkReplies(
                self.app_id, self.app_password, activity["conversation"], activity["recipient"],
                activity["serviceUrl"],
            )
            metadata = self.add_attachments_to_metadata(activity, self.get_metadata(request))
            try:
                await handle(UserMessage(text, out_channel, sender, input_channel=channel, metadata=metadata))
            except Exception:  # a failed reply must not make the service resend the activity
                logger.exception("botframework: handling an activity failed")
            return response.json({"status": "ok"})

        return webhook


def message_fields(activity: Dict[str, Any]) -> Optional[Tuple[str, str]]:
    """The ``(text, sender id)`` of a message activity; None for other activity types or no text.

    Raises:
        InvalidMessage: 400 naming the missing or malformed field.
    """
    if activity.get("type") != "message":
        return None
    sender = activity.get("from")
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), str) or not sender["id"]:
        raise InvalidMessage("invalid_field", "'from.id' must be a non-empty string", "from.id")
    conversation = activity.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        raise InvalidMessage("invalid_field", "'conversation.id' must be a string", "conversation.id")
    if not isinstance(activity.get("recipient"), dict):
        raise InvalidMessage("invalid_field", "'recipient' must be an object", "recipient")
    if not isinstance(activity.get("serviceUrl"), str):
        raise InvalidMessage("invalid_field", "'serviceUrl' must be a string", "serviceUrl")
    text = activity.get("text")
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise InvalidMessage("invalid_field", "'text' must be a string", "text")
    return text, sender["id"]
