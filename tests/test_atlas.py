"""The software atlas table is complete and its claims are checked."""

from mlip_course.models import atlas


def test_atlas_has_table2_and_valid_families():
    table = atlas.load()
    table2 = table[table["in_table2"] == "yes"]
    assert len(table2) == 45 and table["model"].is_unique
    assert set(table["here"]) <= {"scratch", "library", "partial", "no"}
    assert (table.loc[table["here"] != "no", "python"] != "").all()
    assert (table.loc[table["here"] == "no", "how"] != "").all()     # every "no" says why


def test_from_scratch_claims_import():
    table = atlas.load()
    mine = table[table["python"].str.startswith("mlip_course")]
    assert len(mine) >= 5
    assert atlas.check_runnable(mine) == {}
    broken = mine.head(1).copy()
    broken["python"] = "mlip_course.models.nothing_here"
    assert list(atlas.check_runnable(broken)) == [broken["model"].iloc[0]]
