"""The OpenAPI document of the JSON API, served at /api/openapi.json and fuzzed by the tests."""

from __future__ import annotations

from typing import Any

from matrixqa import __version__
from matrixqa.ingest.chunk import LINK_KINDS

# Limits the API enforces; app.py reads them from here so the document and the code cannot drift.
MAX_QUESTION = 1000
ASCII_SPACE = " \t\n\r\f\v"  # a question must hold some other character
MAX_K = 50
MAX_HISTORY = 20
MAX_COMMENT = 2000
MAX_BODY_BYTES = 64 * 1024
STUDY_TYPES = ("S", "K", "R", "G", "commentary")
FILTER_NAMES = ("types", "cells", "matrix", "year_from", "year_to")

_QUESTION = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_QUESTION,
    "pattern": "[^" + ASCII_SPACE + "]",
    "description": "The question, in plain words; surrounding white space is ignored.",
}
_NULLABLE_YEAR = {"type": "integer", "nullable": True}
_FILTERS = {
    "type": "object",
    "nullable": True,
    "additionalProperties": False,
    "description": "Restrict which passages may be retrieved; every filter given must hold.",
    "properties": {
        "types": {"type": "array", "items": {"type": "string", "enum": list(STUDY_TYPES)}},
        "cells": {"type": "array", "items": {"type": "string"}, "description": 'Cell codes such as "B3".'},
        "matrix": {"type": "string", "nullable": True, "description": 'Such as "Drug Treatment Matrix".'},
        "year_from": _NULLABLE_YEAR,
        "year_to": _NULLABLE_YEAR,
    },
}
_STUDY = {
    "type": "object",
    "required": ["type", "title", "year", "url"],
    "properties": {
        "type": {"type": "string", "enum": ["S", "K", "R", "G"]},
        "title": {"type": "string"},
        "year": {"type": "integer", "nullable": True},
        "url": {"type": "string", "description": "Its Effectiveness Bank analysis, or the cell page if not known."},
        "authors": {"type": "string", "description": "Of the original publication; empty if not recorded."},
        "journal": {"type": "string", "description": "Where it was published; empty if not recorded."},
        "publication_url": {"type": "string", "nullable": True, "description": "The original publication."},
    },
}
_LINK = {
    "type": "object",
    "required": ["title", "url", "kind"],
    "properties": {
        "title": {"type": "string", "description": "The link's words (its anchor text, for a link in the text)."},
        "url": {"type": "string"},
        "kind": {
            "type": "string",
            "enum": list(LINK_KINDS),
            "description": "An Effectiveness Bank analysis, an original publication, a link inside the "
            "passage's text on the page, or the cell page.",
        },
    },
}
_PASSAGE = {
    "type": "object",
    "required": ["id", "text", "score", "rank", "cell", "section", "kind", "study", "refers_to", "links"],
    "properties": {
        "id": {"type": "string"},
        "text": {"type": "string", "description": "Verbatim source text."},
        "score": {"type": "number"},
        "rank": {"type": "integer", "minimum": 1},
        "cell": {
            "type": "object",
            "required": ["matrix", "code", "title", "url", "acknowledgement"],
            "properties": {name: {"type": "string"} for name in ("matrix", "code", "title", "url", "acknowledgement")},
        },
        "section": {"type": "string"},
        "kind": {"type": "string", "enum": ["study", "commentary"]},
        "study": {**_STUDY, "nullable": True},
        "refers_to": {"type": "array", "items": _STUDY},
        "links": {"type": "array", "items": _LINK},
        "supplementary": {"type": "boolean", "description": "Text the page shows only once a reader unfolds it."},
        "evidence": {
            "type": "object",
            "description": "What ranked the passage: fused rank (by `score`), dense and lexical scores and ranks, "
            "the question words it matched, and its sentence most similar to the question.",
            "properties": {
                "fused_rank": {"type": "integer"},
                "dense_score": {"type": "number"},
                "sentence_score": {"type": "number"},
                "dense_rank": {"type": "integer"},
                "lexical_score": {"type": "number"},
                "lexical_rank": {"type": "integer"},
                "matched_terms": {"type": "array", "items": {"type": "string"}},
                "best_sentence": {"type": "string", "nullable": True},
            },
        },
    },
}
_PASSAGES = {"type": "array", "items": {"$ref": "#/components/schemas/Passage"}}
_RELEVANCE = {
    "type": "object",
    "nullable": True,
    "description": "Why the corpus was or was not taken to hold something relevant (null: a 'which study?' turn).",
    "properties": {
        "evidence": {"type": "number", "description": "Best sentence similarity + 0.25 x coverage."},
        "threshold": {"type": "number", "description": "The evidence needed to answer."},
        "missing_threshold": {"type": "number", "description": "The evidence needed when a word is missing."},
        "sentence_score": {"type": "number"},
        "coverage": {"type": "number"},
        "missing": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Words the question rests on that appear nowhere in the corpus.",
        },
        "corrected": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Misspellings corrected against the corpus vocabulary before searching "
            "('methadne → methadone').",
        },
        "matched": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Acronyms spelt out and words matched by meaning ('RCGP = Royal College of General "
            "Practitioners', 'pee ≈ urine').",
        },
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    reasons = {
        400: "The request cannot be answered as it stands; `error` says what to change.",
        404: "No such answer or passage.",
        405: "The method is not allowed on this path.",
        429: "Too many requests from this address; `Retry-After` says when to try again.",
        413: f"The body is larger than {MAX_BODY_BYTES} bytes.",
        503: "The index cannot be used; `error` says how to rebuild it.",
    }
    return {str(code): _json({"$ref": "#/components/schemas/Error"}, reasons[code]) for code in codes}


def _post(
    summary: str,
    body: dict[str, Any],
    ok: str,
    ok_schema: dict[str, Any],
    ok_description: str,
    errors: tuple[int, ...] = (400, 405, 413, 429, 503),
) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {ok: _json(ok_schema, ok_description), **_errors(*errors)},
        }
    }


def _get(summary: str, schema: dict[str, Any], description: str, errors: tuple[int, ...] = (405,)) -> dict[str, Any]:
    return {"get": {"summary": summary, "responses": {"200": _json(schema, description), **_errors(*errors)}}}


def openapi_document() -> dict[str, Any]:
    """The API as OpenAPI 3.0: request bodies exactly as app.py validates them, and response shapes."""
    search_body = {
        "type": "object",
        "required": ["question"],
        "properties": {
            "question": _QUESTION,
            "k": {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 5},
            "filters": _FILTERS,
        },
    }
    ask_body = {
        "type": "object",
        "required": ["question"],
        "properties": {
            "question": _QUESTION,
            "detail": {"type": "string", "enum": ["short", "long"], "default": "short"},
            "history": {
                "type": "array",
                "maxItems": MAX_HISTORY,
                "description": "Earlier turns, oldest first, so a follow-up question can be understood.",
                "items": {
                    "type": "object",
                    "required": ["question"],
                    "properties": {
                        "question": {"type": "string", "maxLength": MAX_QUESTION},
                        "answer": {"type": "string"},
                    },
                },
            },
            "filters": _FILTERS,
        },
    }
    feedback_body = {
        "type": "object",
        "required": ["id", "helpful"],
        "properties": {
            "id": {"type": "string", "minLength": 1, "description": "The `id` of an answer from /api/ask."},
            "helpful": {"type": "boolean"},
            "comment": {"type": "string", "maxLength": MAX_COMMENT},
        },
    }
    search_result = {
        "type": "object",
        "required": ["question", "relevant", "passages"],
        "properties": {
            "question": {"type": "string"},
            "relevant": {"type": "boolean"},
            "relevance": _RELEVANCE,
            "passages": _PASSAGES,
        },
    }
    answer = {
        "type": "object",
        "required": ["id", "question", "answered", "answer", "lead", "message", "citations", "passages"],
        "properties": {
            "id": {"type": "string"},
            "question": {"type": "string"},
            "searched_for": {"type": "string"},
            "answered": {"type": "boolean", "description": "False when the corpus holds no evidence for the question."},
            "answer": {"type": "string", "description": "Whole source sentences, each followed by its [n]."},
            "lead": {"type": "string"},
            "message": {"type": "string"},
            "latency_ms": {"type": "number"},
            "mode": {"type": "string", "enum": ["standalone", "follow_up", "source"]},
            "relevance": _RELEVANCE,
            "suggestions": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Questions the corpus can answer: follow-ups, or alternatives when not answered.",
            },
            "citations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["n", "sentences", "passage"],
                    "properties": {
                        "n": {"type": "integer", "minimum": 1},
                        "sentences": {"type": "array", "items": {"type": "string"}},
                        "passage": {"$ref": "#/components/schemas/Passage"},
                    },
                },
            },
            "passages": _PASSAGES,
        },
    }
    cell = {
        "type": "object",
        "required": ["matrix", "code", "title", "url", "acknowledgement"],
        "properties": {name: {"type": "string"} for name in ("matrix", "code", "title", "url", "acknowledgement")},
    }
    cells = {
        "type": "object",
        "required": ["cells"],
        "properties": {
            "cells": {
                "type": "array",
                "items": {**cell, "properties": {**cell["properties"], "passages": {"type": "integer"}}},
            }
        },
    }
    context = {
        "type": "object",
        "required": ["id", "cell", "section", "paragraphs"],
        "properties": {
            "id": {"type": "string"},
            "cell": cell,
            "section": {"type": "string"},
            "paragraphs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "text", "current"],
                    "properties": {
                        "id": {"type": "string"},
                        "text": {"type": "string"},
                        "current": {"type": "boolean"},
                    },
                },
            },
        },
    }
    health = {
        "type": "object",
        "required": ["status", "passages", "cells", "manifest"],
        "properties": {
            "status": {"type": "string", "enum": ["ok"]},
            "passages": {"type": "integer", "minimum": 0},
            "cells": {"type": "array", "items": {"type": "string"}},
            "manifest": {"type": "object", "description": "The index's manifest: model, build time, checksums."},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "matrixqa",
            "version": __version__,
            "description": "Cited answers from the Drug and Alcohol Findings Effectiveness Bank treatment matrices. "
            'Every error is JSON: {"error": "<what went wrong and what to change>"}.',
        },
        "paths": {
            "/api/search": _post(
                "Retrieve the passages that best match a question.",
                search_body,
                "200",
                search_result,
                "Passages, best first.",
            ),
            "/api/ask": _post(
                "Answer a question with cited source sentences.",
                ask_body,
                "200",
                answer,
                "An answer, or a statement that the corpus does not cover the question.",
            ),
            "/api/feedback": _post(
                "Say whether an answer helped.",
                feedback_body,
                "202",
                {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
                "Feedback recorded (or accepted and dropped when the question log is off).",
                errors=(400, 404, 405, 413, 503),
            ),
            "/api/cells": _get("List the cells the index holds.", cells, "Cells in matrix and code order."),
            "/api/passages/<passage_id>/context": _get(
                "Show a passage with the other passages of its section, in page order.",
                context,
                "The passage's section.",
                errors=(404, 405),
            ),
            "/api/health": {
                "get": {
                    "summary": "Report that the service is up, with the index it serves.",
                    "responses": {"200": _json(health, "The service is ready."), **_errors(405)},
                }
            },
        },
        "components": {
            "schemas": {
                "Passage": _PASSAGE,
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string", "minLength": 1}},
                },
            }
        },
    }
