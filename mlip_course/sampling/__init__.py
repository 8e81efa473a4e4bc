"""Structure sampling: ways to choose which configurations get a reference label.

One module per method (review 001, "Structure sampling"): ``md`` (molecular dynamics at one or
several temperatures, melt-quench). Later chapters add normal modes, basin hopping, genetic
algorithms, particle swarms, annealing, metadynamics, active learning and generative models.
"""
