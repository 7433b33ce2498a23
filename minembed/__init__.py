"""minembed: how text becomes vectors, four classic ways, in plain NumPy.

Read in this order: tokenize -> vocab -> corpus -> sparse -> onehot -> countvec -> tfidf -> word2vec
-> encoder (with optim, then mlm: its training) -> vectors / evaluate / incontext / viz / probe
-> classify (frozen vs fine-tuned classifiers on word2vec or the encoder).
"""
from .tokenize import Tokenizer, tokenize
from .vocab import Vocabulary
from .corpus import EncodedCorpus, encode_corpus, iter_documents, iter_token_lists
from .sparse import CSRMatrix
from .estimator import NotFittedError
from .onehot import OneHotEncoder
from .countvec import CountVectorizer
from .tfidf import TfidfVectorizer
from .word2vec import Word2Vec
from .encoder import AttentionEncoder
from .vectors import KeyedVectors
from .classify import EncoderClassifier, WordVectorClassifier

__version__ = "0.1.0"
