""""Am I protected?": cloak your own photos and see whether face recognizers still pick you out of a crowd
(how the check runs: ``run``; the answer in words: ``answer``; saving the cloaked photos: ``keep``)."""
from .answer import NO_ANSWER, NOT_PROTECTED, PARTLY, PROTECTED, Answer, answer_for, cloak_words, upload_words, what_it_means
from .keep import HOW_MADE_NAME, save_cloaked_photos
from .photos import MIN_PHOTOS, TWO_TESTS_FROM, MyPhotos, crowd_choices, describe_crowd, find_my_photos, split_my_photos
from .run import LOCAL_RECOGNIZERS, SelfCheck, SelfCheckConfig, estimate_seconds, run_self_check

__all__ = ["Answer", "HOW_MADE_NAME", "LOCAL_RECOGNIZERS", "MIN_PHOTOS", "MyPhotos", "NO_ANSWER", "NOT_PROTECTED",
           "PARTLY", "PROTECTED", "SelfCheck", "SelfCheckConfig", "TWO_TESTS_FROM", "answer_for", "cloak_words",
           "crowd_choices", "describe_crowd", "estimate_seconds", "find_my_photos", "run_self_check",
           "save_cloaked_photos", "split_my_photos", "upload_words", "what_it_means"]
