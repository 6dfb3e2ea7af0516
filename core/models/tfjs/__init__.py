"""A small PyTorch interpreter for TensorFlow.js *graph models* (``model.json`` + weight shards).

Three rooms: ``weights`` reads the json and the shards (dtypes, quantisation), ``graph`` orders the
nodes and builds the torch module, ``ops`` holds each TF op's torch implementation (``BUILDERS``).
"""
from .graph import TFJSGraphModel
from .ops import UnsupportedOp, same_padding
from .weights import ModelFileError, decode_weights

__all__ = ["ModelFileError", "TFJSGraphModel", "UnsupportedOp", "decode_weights", "same_padding"]
