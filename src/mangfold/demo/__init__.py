"""The demo municipality: synthetic data in the input contract with documented planted truths.

:func:`mangfold.demo.generate.write_demo` writes the files; :mod:`mangfold.demo.truths` holds every
planted number with its source and the expected values analyses should recover.
"""
