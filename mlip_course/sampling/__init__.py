"""Structure sampling: ways to choose which configurations get a reference label.

One module per method (review 001, "Structure sampling"):

- ``md``: molecular dynamics at one or several temperatures, melt-quench;
- ``normal_modes``: harmonic (normal-mode) sampling from a Hessian (ase.vibrations);
- ``hygiene``: deduplication, outliers, reference energies, splits, standardisation;
- ``clusters``: LJ/EMT toy clusters, random starts, relaxation, call counting;
- ``basin_hopping``, ``genetic`` (ase-ga), ``pso``, ``annealing``: global search;
- ``metadynamics``: collective variables, (well-tempered) metadynamics, adaptive biasing force;
- ``active_learning``: query-by-committee, pool-based and on the fly;
- ``generative``: a denoising diffusion model with an E(n)-equivariant denoiser.
"""
