import random

import numpy as np
import pytest

import mlip_course as mc


def test_quick_reads_environment(monkeypatch):
    monkeypatch.setenv("MLIP_COURSE_QUICK", "1")
    assert mc.quick() and mc.pick(100, 3) == 3
    monkeypatch.setenv("MLIP_COURSE_QUICK", "0")
    assert not mc.quick() and mc.pick(100, 3) == 100
    monkeypatch.delenv("MLIP_COURSE_QUICK")
    assert not mc.quick()


def test_quick_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("MLIP_COURSE_QUICK", "maybe")
    with pytest.raises(ValueError, match="MLIP_COURSE_QUICK"):
        mc.quick()


def test_device_honours_environment(monkeypatch):
    import torch

    monkeypatch.setenv("MLIP_COURSE_DEVICE", "cpu")
    assert mc.device() == torch.device("cpu")
    monkeypatch.delenv("MLIP_COURSE_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert mc.device().type == expected
    monkeypatch.setenv("MLIP_COURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match="cpu or cuda"):
        mc.device()


def test_device_cuda_without_gpu_is_an_error(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("MLIP_COURSE_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="no CUDA"):
        mc.device()


def test_seed_makes_runs_repeatable():
    import torch

    mc.seed(3)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    mc.seed(3)
    assert a == (random.random(), np.random.rand(), torch.rand(1).item())


def test_repo_root(monkeypatch, tmp_path):
    assert (mc.repo_root() / "mlip_course" / "__init__.py").exists()
    monkeypatch.setenv("MLIP_COURSE_ROOT", str(tmp_path))
    assert mc.repo_root() == tmp_path.resolve()
