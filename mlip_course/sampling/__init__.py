"""Structure sampling: ways to choose which configurations get a reference label.

One module per method (Ran et al. 2024, "Structure sampling"):

- ``md``: molecular dynamics at one or several temperatures, melt-quench;
- ``normal_modes``: harmonic (normal-mode) sampling from a Hessian (ase.vibrations);
- ``hygiene``: deduplication, outliers, reference energies, splits, standardisation;
- ``clusters``: LJ/EMT toy clusters, random starts, relaxation, call counting;
- ``basin_hopping``, ``genetic`` (ase-ga), ``pso``, ``annealing``, ``ssw`` (stochastic surface
  walking): global search;
- ``metadynamics``: collective variables, (well-tempered) metadynamics, adaptive biasing force;
- ``active_learning``: query-by-committee, pool-based and on the fly;
- ``generative``: a denoising diffusion model with an E(n)-equivariant denoiser;
- ``coverage``: descriptor-space coverage per reference call, to compare all of the above.
"""
