"""The detector and how it is judged: logistic regression on standardised features, with out-of-fold scores
from folds grouped by person (scikit-learn's StratifiedGroupKFold: grouped like GroupKFold, and also spreading
the cloaked people over the folds, so that no training side is left without cloaks when only a few people
were cloaked). Same inputs and seed, same folds and scores."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

MAX_FOLDS = 5
REGULARISATION_C = 0.1
MODEL_WORDS = (f"logistic regression (scikit-learn, C={REGULARISATION_C}, standardised features), "
               f"up to {MAX_FOLDS} folds grouped by person")


class TooFewToCrossValidate(ValueError):
    """Not enough people on one side to train on some and test on others; ``str()`` says so plainly."""


def make_detector() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=REGULARISATION_C, max_iter=5000))


def grouped_folds(cloaked: np.ndarray, groups: list[str], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays; a group's photos are all on one side of every fold."""
    cloaked = np.asarray(cloaked, bool)
    with_cloaks = {g for g, c in zip(groups, cloaked) if c}
    with_clean = {g for g, c in zip(groups, cloaked) if not c}
    if len(with_cloaks) < 2 or len(with_clean) < 2:
        raise TooFewToCrossValidate(f"cloaked photos of {len(with_cloaks)} and clean photos of {len(with_clean)} "
                                    "people: at least two of each are needed to test a detector on unseen people")
    splitter = StratifiedGroupKFold(min(MAX_FOLDS, len(with_cloaks)), shuffle=True, random_state=seed)
    folds = list(splitter.split(np.zeros(len(cloaked)), cloaked, groups))
    for train, _ in folds:
        if cloaked[train].all() or not cloaked[train].any():
            raise TooFewToCrossValidate("a fold would train on one side only; more people are needed")
    return folds


@dataclass
class CrossValidated:
    scores: np.ndarray  # each photo's score from the detector that never saw its group
    models: list[Pipeline]  # one per fold
    fold_of: dict[str, int]  # group -> the fold it was tested in


def cross_validate(features: np.ndarray, cloaked: np.ndarray, groups: list[str], seed: int) -> CrossValidated:
    cloaked = np.asarray(cloaked, bool)
    scores = np.zeros(len(cloaked))
    models, fold_of = [], {}
    for k, (train, test) in enumerate(grouped_folds(cloaked, groups, seed)):
        model = make_detector().fit(features[train], cloaked[train])
        scores[test] = model.decision_function(features[test])
        models.append(model)
        fold_of.update({groups[i]: k for i in test})
    return CrossValidated(scores, models, fold_of)
