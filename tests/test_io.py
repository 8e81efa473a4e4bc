import numpy as np
import pytest
from ase import Atoms

from mlip_course.io import DatasetError, energies, forces, label, read_dataset, validate_frame, write_dataset


def test_round_trip(tmp_path, cu_frames):
    path = tmp_path / "set.xyz"
    assert write_dataset(path, cu_frames) == len(cu_frames)
    back = read_dataset(path)
    assert len(back) == len(cu_frames)
    np.testing.assert_allclose(energies(back), energies(cu_frames))
    np.testing.assert_allclose(forces(back)[3], cu_frames[3].get_forces(), atol=1e-7)
    assert back[0].info["origin"] == "rattle"


def _frame(**results):
    atoms = Atoms("Cu2", positions=[[0, 0, 0], [2.5, 0, 0]], cell=[5, 5, 5], pbc=True)
    return label(atoms, results.get("energy", -1.0), results.get("forces", np.zeros((2, 3))),
                 results.get("stress"))


@pytest.mark.parametrize("bad, message", [
    (dict(energy=np.nan), "energy is nan"),
    (dict(forces=np.zeros((3, 3))), r"shape \(3, 3\), expected \(2, 3\)"),
    (dict(forces=np.full((2, 3), np.inf)), "NaN or inf"),
    (dict(forces=np.full((2, 3), 500.0)), "unit"),
    (dict(energy=-1e7), "not plausible in eV"),
    (dict(stress=np.zeros(4)), "stress has shape"),
])
def test_bad_labels_are_named(bad, message):
    with pytest.raises(DatasetError, match=message):
        validate_frame(_frame(**bad), "set.xyz, frame 7")


def test_missing_energy_and_forces(tmp_path):
    atoms = Atoms("Cu2", positions=[[0, 0, 0], [2.5, 0, 0]], cell=[5, 5, 5], pbc=True)
    with pytest.raises(DatasetError, match="no energy"):
        validate_frame(atoms)
    path = tmp_path / "noforces.xyz"
    path.write_text('2\nLattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3 energy=-1.0 pbc="T T T"\n'
                    "Cu 0 0 0\nCu 2.5 0 0\n")
    with pytest.raises(DatasetError, match=r"noforces.xyz, frame 0: no forces"):
        read_dataset(path)
    assert len(read_dataset(path, require_forces=False)) == 1


def test_malformed_and_missing_files(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        read_dataset(tmp_path / "nope.xyz")
    bad = tmp_path / "bad.xyz"
    bad.write_text("three\nnot a comment\nCu 0 0\n")
    with pytest.raises(DatasetError, match="not a readable extended-XYZ"):
        read_dataset(bad)


def test_unknown_element(tmp_path):
    path = tmp_path / "x.xyz"
    path.write_text('1\nLattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3:forces:R:3 '
                    'energy=-1.0 pbc="T T T"\nXx 0 0 0 0 0 0\n')
    with pytest.raises(DatasetError):
        read_dataset(path)


def test_write_refuses_unlabelled(tmp_path):
    with pytest.raises(DatasetError, match="frame 0: no energy"):
        write_dataset(tmp_path / "o.xyz", [Atoms("Cu")])
    assert not (tmp_path / "o.xyz").exists()


def test_compact_trajectory_round_trip(tmp_path):
    import numpy as np
    from ase.build import bulk

    from mlip_course.io import read_trajectory, write_trajectory

    frames = [bulk("GeTe", "rocksalt", a=6.0, cubic=True).repeat(2) for _ in range(3)]
    for k, atoms in enumerate(frames):
        atoms.rattle(0.05, seed=k)
    path = write_trajectory(tmp_path / "t.npz", frames, time_ps=np.array([0.0, 0.5, 1.0]))
    back, extra = read_trajectory(path)
    assert [a.get_chemical_symbols() for a in back] == [a.get_chemical_symbols() for a in frames]
    assert max(np.abs(a.positions - b.positions).max() for a, b in zip(back, frames)) < 1e-5
    assert np.allclose(extra["time_ps"], [0.0, 0.5, 1.0]) and back[0].pbc.all()
    frames[1] = frames[1][:-1]
    with pytest.raises(ValueError, match="same atoms"):
        write_trajectory(tmp_path / "bad.npz", frames)
