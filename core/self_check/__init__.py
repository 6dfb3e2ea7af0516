""""Am I protected?": cloak your own photos and see whether face recognizers still pick you out of a crowd.

Your photos are split (seeded: one test photo, two with six or more photos; the rest train) and all of
them are cloaked (the training ones are what the tracker is given; every cloak is what you may save and
post). Each recognizer enrols the crowd (every photo of every person, clean, never tested) once, and
you three ways in turn: clean, cloaked, and cloaked then "uploaded" where an upload is chosen. Your
clean test photos are then identified among everyone. Nothing is copied into the crowd's folder; the
check's own folder keeps the settings (``check.json``), the cloaks, ``results.csv`` and the answer
(``answer.json``).
"""
from .answer import NO_ANSWER, NOT_PROTECTED, PARTLY, PROTECTED, Answer, answer_for, cloak_words, upload_words, what_it_means
from .keep import HOW_MADE_NAME, save_cloaked_photos
from .photos import MIN_PHOTOS, TWO_TESTS_FROM, MyPhotos, crowd_choices, describe_crowd, find_my_photos, split_my_photos
from .run import LOCAL_RECOGNIZERS, SelfCheck, SelfCheckConfig, estimate_seconds, run_self_check

__all__ = ["Answer", "HOW_MADE_NAME", "LOCAL_RECOGNIZERS", "MIN_PHOTOS", "MyPhotos", "NO_ANSWER", "NOT_PROTECTED",
           "PARTLY", "PROTECTED", "SelfCheck", "SelfCheckConfig", "TWO_TESTS_FROM", "answer_for", "cloak_words",
           "crowd_choices", "describe_crowd", "estimate_seconds", "find_my_photos", "run_self_check",
           "save_cloaked_photos", "split_my_photos", "upload_words", "what_it_means"]
