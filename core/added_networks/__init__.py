"""ONNX face networks the user brings: remembered (``store``), checked on clean photos before use (``sanity``,
``add``), told when a study's network file is missing or changed (``reopen``), checked before a study by one rule
for the command line and the window (``before_study``), and the command line's part (``command``)."""
