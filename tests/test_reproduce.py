"""The reproduction index: every case is unique, points at a page of the book, and judges."""

from mlip_course import repo_root
from mlip_course.reproduce import CASES


def test_cases_are_unique_and_point_at_book_pages():
    keys = [c.key for c in CASES]
    assert len(keys) == len(set(keys))
    toc = (repo_root() / "_toc.yml").read_text()
    for case in CASES:
        assert (repo_root() / "book" / f"{case.page}.ipynb").exists(), case.page
        assert f"book/{case.page}" in toc, case.page
        assert callable(case.measure) and case.finding and case.paper


def test_a_measurement_is_judged_against_the_finding():
    search = next(c for c in CASES if c.key == "search")
    value, text = search.measure()                     # reads data/ge_clusters only
    assert value > 0 and "eV" in text
    assert search.supports(value) and not search.supports(0.0)
