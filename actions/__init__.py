"""Custom actions (rasa-sdk), one module per area; rasa-sdk registers every Action found here."""
