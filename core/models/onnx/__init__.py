"""ONNX face networks the user brings: ``presets`` (how a face is prepared) and ``crop`` (the crop itself),
``runtime`` (the file's checks and onnxruntime, for judging), ``graph`` + ``ops`` (the same graph in PyTorch, for
cloaking; our own converter, see ``graph`` for why), ``embedder`` (that graph as a ``FaceEmbedder``), ``export`` (our
own networks written as ONNX) and ``fingerprint`` (a file's SHA-256, once)."""
