"""What every online tracker shares: errors with a ``fatal`` flag, pacing, a retry policy, one paced session
that scrubs secrets, the plan shown before photos leave the computer, and the photo bytes that are sent.

A service's own file (``core.recognizers.azure``, ``core.recognizers.rekognition``, ``core.recognizers.facepp``)
only says how its calls look and what its answers mean; how to wait, when to retry and how to say it in plain
words live here.
"""
