"""Live handoff to staff (issue #15): a newcomer asks for a person, staff answer in the console.

* :mod:`bot.handoff.store`: the requests, the staff outbox and left e-mail addresses (database).
* :mod:`bot.handoff.replies`: what the assistant says about it, in every language.
* :mod:`bot.handoff.relay`: the Rasa server's side: silence while a person has the conversation,
  the consent and e-mail steps, and delivery of staff messages to the channel.

The action ``action_request_human`` (``actions/handoff.py``) opens a request; the console's
``/console/handoffs`` pages (``bot/console/handoff_views.py``) are the staff side.
"""
