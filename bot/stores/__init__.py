"""Storage adapters plugged into Rasa through ``endpoints.yml``."""
