"""Channel connectors: Rasa's channels with our input checks, and later signed webhooks."""
