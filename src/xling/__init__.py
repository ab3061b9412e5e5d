"""xling: controlled studies of cross-lingual reasoning generalization in LLM post-training.

Importing xling loads no torch or transformers; each stage imports its heavy dependencies lazily.
"""

__version__ = "0.1.0"
