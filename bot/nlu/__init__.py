"""Custom Rasa NLU components (GraphComponents) of the project."""
