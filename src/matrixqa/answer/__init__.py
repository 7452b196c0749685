"""Ranked passages become a cited answer: sentences chosen, follow-ups resolved, next questions suggested."""
