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


def test_the_hull_check_flags_exactly_the_crystals_that_change_side():
    from mlip_course.data import frames
    from mlip_course.properties import eos_fits
    from mlip_course.reproduce import _wrong_side

    dft = eos_fits(frames("gst_eos"))                 # CP2K's fits (no model needed)
    assert _wrong_side(dft) == []                      # CP2K against itself
    swapped = {c: dict(f) for c, f in dft.items()}     # rocksalt GeTe below alpha: they swap
    swapped["gete_rocksalt"]["e0"] = dft["gete_alpha"]["e0"] - 0.01
    assert _wrong_side(swapped) == ["gete_alpha", "gete_rocksalt"]
