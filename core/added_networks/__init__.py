"""ONNX face networks the user brings: remembered (``store``), checked on clean photos before use (``sanity``,
``add``), told when a study's network file is missing or changed (``reopen``), and the command line's part
(``command``)."""
