"""The Aalborg newcomer assistant: content, NLU components, channels, web app and runner."""
