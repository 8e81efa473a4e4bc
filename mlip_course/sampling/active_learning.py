"""Active learning by query-by-committee (Seung, Opper & Sompolinsky 1992; Smith et al. 2018).

Several models are fitted to bootstrap resamples of the labelled frames. Where they agree,
the data already pin the answer down; where they disagree, a reference label is worth its
cost. Two ways to use the disagreement:

- pool-based: from a pool of unlabelled candidates, label the ones the committee disputes most;
- on the fly: drive MD with the committee mean and call the reference only when the
  disagreement on the current step exceeds a threshold.

The committee here is made of :class:`~mlip_course.models.LinearPotential` members sharing one
descriptor, so each frame's design rows are computed once and every prediction is a matrix
product -- fast enough to rescore a whole pool every round.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator

from ..models.linear import LinearPotential, ridge_solve
from ..reference import label_frames


class LinearCommittee:
    """``n_members`` ridge-regressed linear potentials fitted on bootstrap resamples."""

    def __init__(self, descriptor, n_members: int = 4, *, quadratic: bool = True,
                 ridge: float = 1e-6, seed: int = 0):
        self.template = LinearPotential(descriptor, quadratic=quadratic, ridge=ridge)
        self.n_members = n_members
        self.rng = np.random.default_rng(seed)
        self.weights: np.ndarray | None = None  # (n_members, n_parameters)
        self._rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def rows(self, atoms: Atoms) -> tuple[np.ndarray, np.ndarray]:
        """Design rows of ``atoms`` (cached per Atoms object)."""
        key = id(atoms)
        if key not in self._rows:
            self._rows[key] = (*self.template.design_rows(atoms), atoms)  # keep atoms alive
        e_row, f_rows, _ = self._rows[key]
        return e_row, f_rows

    def _solve(self, frames: Sequence[Atoms], counts: np.ndarray) -> np.ndarray:
        rows, targets, weights = [], [], []
        for atoms, c in zip(frames, counts):
            if c == 0:
                continue
            e_row, f_rows = self.rows(atoms)
            n = len(atoms)
            rows += [e_row[None, :] / n, f_rows]
            targets += [[atoms.get_potential_energy() / n], atoms.get_forces().reshape(-1)]
            weights += [np.full(1, c), np.full(3 * n, c)]
        a, b, w = np.vstack(rows), np.concatenate(targets), np.sqrt(np.concatenate(weights))
        return ridge_solve(a * w[:, None], b * w, self.template.ridge)

    def fit(self, frames: Sequence[Atoms]) -> "LinearCommittee":
        """Fit every member on a bootstrap resample (by frame) of the labelled ``frames``."""
        n = len(frames)
        members = [self._solve(frames, np.bincount(self.rng.integers(0, n, n), minlength=n))
                   for _ in range(self.n_members)]
        self.weights = np.array(members)
        return self

    def predict_all(self, atoms: Atoms) -> tuple[np.ndarray, np.ndarray]:
        """Energies (M,) and forces (M, N, 3) of every member."""
        if self.weights is None:
            raise RuntimeError("The committee is not fitted; call fit(frames) first.")
        e_row, f_rows = self.rows(atoms)
        return self.weights @ e_row, (self.weights @ f_rows.T).reshape(self.n_members, -1, 3)

    def predict(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        """Committee mean energy and forces (so the committee works with MLIPCalculator)."""
        e, f = self.predict_all(atoms)
        return float(e.mean()), f.mean(axis=0)

    def disagreement(self, atoms: Atoms) -> float:
        """Largest per-atom force standard deviation across members (eV/A)."""
        _, f = self.predict_all(atoms)
        return float(np.linalg.norm(f.std(axis=0), axis=1).max())

    def force_rmse(self, frames: Sequence[Atoms]) -> float:
        """RMSE of the committee-mean force components on labelled ``frames`` (eV/A)."""
        diff = np.concatenate([(self.predict(a)[1] - a.get_forces()).ravel() for a in frames])
        return float(np.sqrt(np.mean(diff**2)))


def pool_learning(pool: Sequence[Atoms], test: Sequence[Atoms], reference: Calculator,
                  make_committee: Callable[[], LinearCommittee], *, n_initial: int,
                  per_round: int, rounds: int, strategy: str = "committee", seed: int = 0
                  ) -> tuple[list[int], list[float]]:
    """Grow a training set from an unlabelled ``pool``; after each round record the number of
    reference calls and the test force RMSE. ``strategy``: ``"committee"`` (label the most
    disputed candidates) or ``"random"``. Both start from the same random ``n_initial``."""
    if strategy not in ("committee", "random"):
        raise ValueError(f"strategy must be 'committee' or 'random', not {strategy!r}.")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pool))
    chosen = list(order[:n_initial])
    committee = make_committee()
    labelled = label_frames([pool[k] for k in chosen], reference)
    calls, errors = [], []
    for r in range(rounds + 1):
        committee.fit(labelled)
        calls.append(len(labelled))
        errors.append(committee.force_rmse(test))
        if r == rounds:
            break
        taken = set(chosen)
        rest = [k for k in range(len(pool)) if k not in taken]
        if strategy == "random":
            new = list(rng.choice(rest, per_round, replace=False))
        else:
            score = np.array([committee.disagreement(pool[k]) for k in rest])
            new = [rest[k] for k in np.argsort(score)[::-1][:per_round]]
        chosen += new
        labelled += label_frames([pool[k] for k in new], reference)
    return calls, errors


def on_the_fly(atoms: Atoms, committee: LinearCommittee, training: list[Atoms],
               reference: Calculator, *, threshold: float, steps: int,
               temperature_k: float, timestep_fs: float = 2.0, seed: int = 0
               ) -> dict:
    """NVT MD driven by the committee mean; when the disagreement exceeds ``threshold``
    (eV/A) the current frame is labelled by ``reference``, added to ``training`` and the
    committee is refitted. Returns the per-step disagreement, the steps that called and the
    final configuration (``"atoms"``, to continue the run, e.g. at another temperature)."""
    from ..calculator import MLIPCalculator
    from .md import langevin

    atoms = atoms.copy()
    atoms.calc = MLIPCalculator(committee)
    dyn = langevin(atoms, temperature_k, timestep_fs=timestep_fs, friction_per_fs=0.01,
                   seed=seed, zero_momentum=False)
    log: dict = {"disagreement": [], "called_at": []}
    for step in range(steps):
        dyn.run(1)
        frame = atoms.copy()
        sigma = committee.disagreement(frame)
        log["disagreement"].append(sigma)
        if sigma > threshold:
            training += label_frames([frame], reference, origin="on_the_fly")
            committee.fit(training)
            atoms.calc.reset()
            log["called_at"].append(step)
    log["atoms"] = atoms.copy()
    return log
