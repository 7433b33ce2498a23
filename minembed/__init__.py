"""minembed: how text becomes vectors, four classic ways, in plain NumPy.

Read in this order: text/ (tokenize -> vocab -> corpus); then each method from its reference.py
(the textbook version) to its fast modules: bow/, word2vec/, encoder/ (with nn/); then vectors/
(KeyedVectors, sentence vectors, evaluation), tasks/ (probes, classifiers, search, word meaning in
context) and plot/. cli/ is what train.py runs.
"""
from .text.tokenize import Tokenizer, tokenize
from .text.vocab import Vocabulary
from .text.corpus import EncodedCorpus, encode_corpus, iter_documents, iter_token_lists
from .core.sparse import CSRMatrix
from .core.estimator import NotFittedError
from .bow.onehot import OneHotEncoder
from .bow.countvec import CountVectorizer
from .bow.tfidf import TfidfVectorizer
from .bow.bm25 import BM25Vectorizer
from .word2vec.model import Word2Vec
from .encoder.model import AttentionEncoder
from .vectors.keyed import KeyedVectors
from .tasks.classify import EncoderClassifier, WordVectorClassifier
from .tasks.search import SearchIndex

__version__ = "0.1.0"
