import numpy as np
from ase.build import bulk

from mlip_course.reference import emt_toy
from mlip_course.sampling.md import quench, sample_nvt


def test_sample_nvt_snapshots_are_unlabelled_copies():
    atoms = bulk("Cu", cubic=True).repeat(2)
    frames = sample_nvt(atoms, emt_toy(), 600.0, steps=40, every=10, seed=1)
    assert len(frames) == 4
    assert all(f.calc is None for f in frames)
    assert frames[-1].info["md_step"] == 40 and frames[0].info["md_temperature_k"] == 600.0
    assert not np.allclose(frames[0].positions, frames[-1].positions)


def test_sampling_is_seeded():
    a = sample_nvt(bulk("Cu", cubic=True).repeat(2), emt_toy(), 500.0, 20, 10, seed=3)
    b = sample_nvt(bulk("Cu", cubic=True).repeat(2), emt_toy(), 500.0, 20, 10, seed=3)
    np.testing.assert_allclose(a[-1].positions, b[-1].positions)


def test_quench_keeps_last_of_each_stage():
    frames = quench(bulk("Cu", cubic=True).repeat(2), emt_toy(), [900.0, 600.0, 300.0], 10)
    assert [f.info["md_temperature_k"] for f in frames] == [900.0, 600.0, 300.0]
