"""Adding cell pages to the corpus: saved files and addresses, stored under the cell's name, others refused."""

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from matrixqa.errors import MatrixQAError, NotACellPage
from matrixqa.ingest.add import add_page, matrix_addresses
from matrixqa.ingest.corpus import load_corpus
from matrixqa.ingest.fetch import Fetcher
from tests.conftest import FAKE_CELL, REAL_CORPUS
from tests.html_pages import html_page

FAKE_TEXT = FAKE_CELL.read_text(encoding="utf-8")
FAKE_HTML = html_page(FAKE_TEXT, title="Alcohol Treatment Matrix cell D4: Organisational functioning; Psychosocial")
NOT_A_CELL = "<html><head><title>Findings home</title></head><body><p>Welcome to the site</p></body></html>"


@pytest.fixture
def fetcher(tmp_path: Path):
    with Fetcher(tmp_path / "cache", pause=0, timeout=5) as client:
        yield client


def test_a_saved_page_is_stored_under_its_cells_name(tmp_path: Path):
    saved = tmp_path / "Effectiveness Bank - saved page.htm"
    saved.write_text(FAKE_HTML, encoding="utf-8")
    corpus = tmp_path / "corpus"
    added = add_page(str(saved), corpus)
    assert added.file == corpus / "alcohol-D4.html" and added.file.read_text(encoding="utf-8") == FAKE_HTML
    assert not (corpus / "alcohol-D4.json").exists()  # nothing to record for a file
    assert [c.key for c in load_corpus(corpus).cells] == ["alcohol-D4"]


def test_a_text_copy_is_stored_as_text(tmp_path: Path):
    added = add_page(str(REAL_CORPUS / "drug-B3.txt"), tmp_path / "corpus")
    assert added.file.name == "drug-B3.txt" and added.also == ()


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("home.html", NOT_A_CELL, "not a matrix cell page"),
        ("notes.txt", "my notes about B3", "not a matrix cell page"),
        ("page.pdf", "%PDF", ".html, .htm or .txt"),
    ],
)
def test_a_page_that_is_not_a_cell_is_refused_and_nothing_stored(tmp_path: Path, name, content, reason):
    (tmp_path / name).write_text(content, encoding="utf-8")
    corpus = tmp_path / "corpus"
    with pytest.raises(NotACellPage, match=reason):
        add_page(str(tmp_path / name), corpus)
    assert not corpus.exists()


def test_an_address_is_fetched_stored_and_recorded(httpserver: HTTPServer, tmp_path: Path, fetcher):
    httpserver.expect_request("/PHP/dl.php", query_string="file=Matrix/Alcohol/D4.htm").respond_with_data(
        FAKE_HTML, content_type="text/html; charset=utf-8"
    )
    corpus = tmp_path / "corpus"
    url = httpserver.url_for("/PHP/dl.php") + "?file=Matrix/Alcohol/D4.htm&s=eb"
    added = add_page(url, corpus, fetcher)
    assert added.fetched and added.file.name == "alcohol-D4.html"
    meta = json.loads((corpus / "alcohol-D4.json").read_text(encoding="utf-8"))
    assert meta["url"] == httpserver.url_for("/PHP/dl.php") + "?file=Matrix/Alcohol/D4.htm"
    cell = load_corpus(corpus).cells[0]
    assert cell.url == meta["url"] and cell.studies[0].url.startswith("https://example.org/")
    assert not add_page(url, corpus, fetcher).fetched and len(httpserver.log) == 1


def test_adding_an_address_keeps_the_metadata_already_recorded(httpserver: HTTPServer, tmp_path: Path, fetcher):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "alcohol-D4.json").write_text(json.dumps({"studies": {"Zebra": {"authors": "Nobody N"}}}))
    httpserver.expect_request("/d4").respond_with_data(FAKE_HTML, content_type="text/html")
    add_page(httpserver.url_for("/d4"), corpus, fetcher)
    meta = json.loads((corpus / "alcohol-D4.json").read_text(encoding="utf-8"))
    assert meta["studies"] == {"Zebra": {"authors": "Nobody N"}} and meta["url"] == httpserver.url_for("/d4")


def test_an_address_that_returns_another_cell_or_no_cell_is_refused(httpserver: HTTPServer, tmp_path, fetcher):
    httpserver.expect_request("/PHP/dl.php", query_string="file=Matrix/Drugs/A1.htm").respond_with_data(
        FAKE_HTML, content_type="text/html"
    )
    httpserver.expect_request("/home").respond_with_data(NOT_A_CELL, content_type="text/html")
    corpus = tmp_path / "corpus"
    with pytest.raises(NotACellPage, match="names another cell"):
        add_page(httpserver.url_for("/PHP/dl.php") + "?file=Matrix/Drugs/A1.htm", corpus, fetcher)
    with pytest.raises(NotACellPage, match="nothing was stored"):
        add_page(httpserver.url_for("/home"), corpus, fetcher)
    assert not corpus.exists()


def test_a_matrix_is_every_cell_by_the_sites_address_pattern():
    addresses = list(matrix_addresses("https://findings.org.uk/PHP/dl.php", "drug"))
    assert len(addresses) == 25 and addresses[7] == "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/B3.htm"
    both = list(matrix_addresses("https://findings.org.uk/PHP/dl.php", "all"))
    assert len(both) == 50 and both[-1].endswith("Matrix/Alcohol/E5.htm")


def test_a_broken_metadata_file_is_named_and_the_page_not_stored(httpserver: HTTPServer, tmp_path: Path, fetcher):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "alcohol-D4.json").write_text("{broken")
    httpserver.expect_request("/d4").respond_with_data(FAKE_HTML, content_type="text/html")
    with pytest.raises(MatrixQAError, match="alcohol-D4.json is not valid JSON"):
        add_page(httpserver.url_for("/d4"), corpus, fetcher)
    assert sorted(p.name for p in corpus.iterdir()) == ["alcohol-D4.json"]
