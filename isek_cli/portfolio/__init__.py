"""Several plans as one: a city's area plans, a district's towns, a state's programme (portfolio.yaml).

``file`` reads portfolio.yaml; ``summary`` keeps each plan in brief (cached per
plan); ``core`` holds :class:`~.core.Portfolio`; ``questions`` answers status,
funding, check and show; ``export`` writes all plans as one data set; ``site``
builds an index over the plans' own sites. The package sits above ``report``
and below ``api`` (tests/test_architecture.py).
"""
