"""The project's web app: widget demo page and (later) the staff console."""
