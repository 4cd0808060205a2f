"""The built-in demo clinic (``clinic``) and the generator of large clinics for the
benchmarks (``generate``, names in ``data``). May import every other room of the core.
"""
