"""The HTTP edge: the Flask app, its API document, admin view, security, rate limit, reload and question log."""
