"""What a study's numbers mean: rank-1, an operating point set by a false-match rate, a curve, intervals.

One job a module: ``scores`` (every candidate's score, ``scores.csv``, and what the scores are),
``operating_point`` (where each tracker's line is drawn, and the rows judged at it), ``stats`` (Wilson
intervals, McNemar, the spread of repeated runs), ``summary`` (the summary's types, ``summary.json`` field for
field), ``build`` (the one place the summary is built from the rows and the scores, and ``restate`` at another
false-match rate) and ``words`` (the figures in plain words). Import from the module itself.
"""
