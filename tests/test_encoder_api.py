"""AttentionEncoder's user-facing calls: pre-tokenized encode and fill_mask (shapes, errors, and a
tiny corpus the encoder learns by heart, so fill_mask must find the missing word)."""
import numpy as np
import pytest

from minembed import AttentionEncoder, Vocabulary
from minembed.encoder import contextual

SENTENCES = ["the cat sat on the mat", "a dog ran to the park", "my bird sang in a tree"]


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.build([s.split() for s in SENTENCES]).with_specials()


@pytest.fixture(scope="module")
def learned(vocab):
    """An encoder trained until it knows the three sentences by heart."""
    encoder = AttentionEncoder(vocab, dim=32, ff_dim=64, max_len=8, seed=2)
    ids = np.concatenate([vocab.encode(s.split()) for s in SENTENCES] * 40)
    encoder.fit(ids, steps=400, batch_size=16, lr=1e-2, mask_prob=0.3, heldout=0, eval_every=0,
                progress=False, weight_decay=0.0)
    return encoder


def test_pre_tokenized_input_gives_one_vector_per_given_token(vocab):
    encoder = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, seed=1)
    H = encoder.encode([["The", "cat", "zebra", ".", "sat"], ["a", "dog"]])       # (2, 5, 8)
    assert H.shape == (2, 5, 8)
    assert np.all(H[1, 2:] == 0) and np.all(np.linalg.norm(H[1, :2], axis=1) > 0)   # padding rows are 0
    # "The" is lowercased like the tokenizer does; "zebra" and "." are not words of the vocabulary: <unk>
    from_text = encoder.encode(["the cat sat"])[0]
    unk_row = contextual.texts_to_ids(encoder, [["The", "cat", "zebra", ".", "sat"]])[0]
    assert unk_row.tolist() == [vocab["the"], vocab["cat"], vocab.unk_id, vocab.unk_id, vocab["sat"]]
    np.testing.assert_allclose(encoder.encode([["the", "cat", "sat"]])[0], from_text, rtol=1e-6)


def test_pre_tokenized_and_text_inputs_can_be_mixed_and_bad_items_are_refused(vocab):
    encoder = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, seed=1)
    assert encoder.encode(["the cat", ["a", "dog", "ran"]]).shape == (2, 3, 8)
    with pytest.raises(TypeError, match="text 1 is a int"):
        encoder.encode(["the cat", 7])
    with pytest.raises(TypeError, match="list of token strings"):
        encoder.encode([["the", 3]])
    with pytest.raises(ValueError, match="no tokens"):
        encoder.encode([[]])


def test_fill_mask_finds_the_word_it_learned(learned):
    answers = learned.fill_mask("the cat [MASK] on the mat", top_k=3)
    assert answers[0][0] == "sat"
    assert [p for _, p in answers] == sorted((p for _, p in answers), reverse=True)
    assert learned.fill_mask("a dog ran to the <mask>")[0][0] == "park"
    assert learned.fill_mask(["my", "bird", "[mask]", "in", "a", "tree"])[0][0] == "sang"


def test_fill_mask_returns_a_list_per_blank_and_probabilities_of_words_only(learned, vocab):
    both = learned.fill_mask("the [Mask] sat on the [MASK]", top_k=4)
    assert len(both) == 2 and all(len(answer) == 4 for answer in both)
    assert both[0][0][0] == "cat" and both[1][0][0] == "mat"
    everything = learned.fill_mask("the cat [MASK] on the mat", top_k=10_000)
    words = [w for w, _ in everything]
    assert len(words) == len(vocab) - len(vocab.specials)              # top_k is capped at the word count
    assert not set(words) & set(vocab.specials)                        # never <pad>, <unk> or <mask>
    assert sum(p for _, p in everything) == pytest.approx(1.0)


def test_fill_mask_probabilities_equal_a_softmax_over_the_words(learned, vocab):
    ids = contextual.ids_with_blanks(learned, "the cat [MASK] on the mat")
    y, _ = learned._forward(ids[None, :])
    logits = (y[2] @ learned.params["tok_emb"].T + learned.params["out_bias"]).astype(np.float64)
    words = logits[len(vocab.specials):]
    expected = np.exp(words - words.max()) / np.exp(words - words.max()).sum()
    top = learned.fill_mask("the cat [MASK] on the mat", top_k=2)
    best = np.argsort(-expected)[:2]
    assert [w for w, _ in top] == [vocab.itos[i + len(vocab.specials)] for i in best]
    np.testing.assert_allclose([p for _, p in top], expected[best], rtol=1e-6)


def test_fill_mask_errors_are_clear(learned):
    with pytest.raises(ValueError, match="no blank"):
        learned.fill_mask("the cat sat on the mat")
    with pytest.raises(ValueError, match="more than max_len=8"):
        learned.fill_mask("the cat [MASK] on the mat and the dog ran to the park")
    with pytest.raises(ValueError, match="top_k"):
        learned.fill_mask("the [MASK]", top_k=0)
    with pytest.raises(TypeError, match="str or a list"):
        learned.fill_mask(42)


def test_an_encoder_without_words_cannot_be_built():
    with pytest.raises(ValueError, match="at least one word"):
        AttentionEncoder(Vocabulary([], np.zeros(0, np.int64)).with_specials())


# ---------------------------------------------------------------------------- static vectors as the start
def test_init_embeddings_copies_known_words_scaled_to_the_init_size(vocab):
    from minembed import KeyedVectors
    encoder = AttentionEncoder(vocab, dim=4, ff_dim=8, max_len=8, seed=1)
    before = encoder.params["tok_emb"].copy()
    table = np.array([[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, -2.0]])          # rms entry = 1
    copied = encoder.init_embeddings(KeyedVectors(["cat", "not-a-word"], table))
    assert copied == 1
    np.testing.assert_allclose(encoder.params["tok_emb"][vocab["cat"]], [1.0, 0.0, 0.0, 0.0])  # 2 * 0.5 / 1
    others = np.arange(len(vocab)) != vocab["cat"]
    np.testing.assert_array_equal(encoder.params["tok_emb"][others], before[others])  # specials, other words
    with pytest.raises(ValueError, match="dim 3 but the encoder has dim=4"):
        encoder.init_embeddings(KeyedVectors(["cat"], np.ones((1, 3))))
    with pytest.raises(ValueError, match="no word of the encoder's vocabulary"):
        encoder.init_embeddings(KeyedVectors(["zebra"], np.ones((1, 4))))


def test_encode_layers_are_the_forward_passes_arrays(vocab):
    encoder = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, seed=1)
    ids = contextual.texts_to_ids(encoder, ["the cat sat"])
    p = encoder.params
    x = p["tok_emb"][ids[0]] + p["pos_emb"][:3]                                  # (3, 8)
    np.testing.assert_allclose(encoder.encode(["the cat sat"], layer="input")[0], x, rtol=1e-6)
    _, cache = encoder._forward(ids)
    np.testing.assert_allclose(encoder.encode(["the cat sat"], layer="attention")[0], cache["h"], rtol=1e-6)
    assert not np.allclose(encoder.encode(["the cat sat"], layer="attention"), encoder.encode(["the cat sat"]))
    with pytest.raises(ValueError, match="layer must be one of"):
        encoder.encode(["the cat"], layer="middle")


def test_the_prediction_layer_is_the_heads_expected_word_vector(vocab):
    encoder = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, seed=1)
    p = encoder.params
    y = encoder.encode(["the cat sat", "a dog"])                                 # (2, 3, 8)
    predicted = encoder.encode(["the cat sat", "a dog"], layer="prediction")     # (2, 3, 8)
    assert predicted.shape == (2, 3, 8) and np.all(predicted[1, 2] == 0)         # padding stays 0
    logits = y[0] @ p["tok_emb"].T + p["out_bias"]                               # (3, V), by hand
    logits[:, :len(vocab.specials)] = -np.inf
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(predicted[0], probs @ p["tok_emb"], rtol=1e-5, atol=1e-7)
    # a head sure of one word predicts exactly that word's embedding
    sure = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, seed=1)
    sure.params["out_bias"][vocab["dog"]] = 1e4
    np.testing.assert_allclose(sure.encode(["the cat"], layer="prediction")[0],
                               np.tile(sure.params["tok_emb"][vocab["dog"]], (2, 1)), rtol=1e-6)


def test_a_tuple_of_layers_gives_them_side_by_side_at_unit_length(vocab):
    encoder = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, seed=1)
    texts = ["the cat sat", ["a", "dog"]]
    both = encoder.encode(texts, layer=("attention", "prediction"))              # (2, 3, 16)
    assert both.shape == (2, 3, 16) and np.all(both[1, 2] == 0)
    for half, name in ((both[0, :, :8], "attention"), (both[0, :, 8:], "prediction")):
        alone = encoder.encode(texts, layer=name)[0]
        np.testing.assert_allclose(half, alone / np.linalg.norm(alone, axis=1, keepdims=True), rtol=1e-5)
    targets = encoder.target_vectors(texts, [1, 0], layer=("attention", "prediction"))   # (2, 16)
    blanked = encoder.encode([["the", "<mask>", "sat"], ["<mask>", "dog"]], layer=("attention", "prediction"))
    np.testing.assert_allclose(targets, [blanked[0, 1], blanked[1, 0]], rtol=1e-5)
    np.testing.assert_array_equal(encoder.encode(texts, layer=("attention",)), encoder.encode(texts, layer="attention"))
    # one text per forward pass gives the same vectors as both texts in one
    np.testing.assert_allclose(encoder.encode(texts, batch_size=1, layer=("attention", "prediction")), both, rtol=1e-5)
    np.testing.assert_allclose(encoder.target_vectors(texts, [1, 0], layer=("attention", "prediction"), batch_size=1),
                               encoder.target_vectors(texts, [1, 0], layer=("attention", "prediction")), rtol=1e-5)
    for bad in ((), ("attention", "middle")):
        with pytest.raises(ValueError, match="or a tuple of them"):
            encoder.encode(texts, layer=bad)


def test_the_sentence_layer_is_the_texts_mean_output_at_each_of_its_tokens(vocab):
    encoder = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, seed=1)
    texts = ["the cat sat", ["a", "dog"]]
    y = encoder.encode(texts)                                                    # (2, 3, 8), padding 0
    sentence = encoder.encode(texts, layer="sentence")                           # (2, 3, 8)
    np.testing.assert_allclose(sentence[0], np.tile(y[0].mean(axis=0), (3, 1)), rtol=1e-5)
    np.testing.assert_allclose(sentence[1, :2], np.tile(y[1, :2].mean(axis=0), (2, 1)), rtol=1e-5)   # not the pad
    assert np.all(sentence[1, 2] == 0)
    np.testing.assert_allclose(encoder.sentence_vectors(texts), sentence[:, 0], rtol=1e-6)
    # read at the hidden target: the sentence's mean with the word hidden, beside the other two
    three = encoder.target_vectors(texts, [1, 0], layer=("attention", "prediction", "sentence"))   # (2, 24)
    blanked = [["the", "<mask>", "sat"], ["<mask>", "dog"]]
    mean = encoder.sentence_vectors(blanked)                                     # (2, 8)
    np.testing.assert_allclose(three[:, 16:], mean / np.linalg.norm(mean, axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(three[:, :16], encoder.target_vectors(texts, [1, 0], layer=("attention", "prediction")),
                               rtol=1e-5)
    np.testing.assert_allclose(encoder.target_vectors(texts, [1, 0], layer=("attention", "prediction", "sentence"),
                                                      batch_size=1), three, rtol=1e-5)


def test_without_specials_keeps_the_words_and_their_order():
    from minembed import encode_corpus
    from minembed.text.corpus import without_specials
    from minembed.text.vocab import MASK, PAD, UNK
    corpus = encode_corpus([["a", "b", "a", "rare"], ["odd"], ["b", "c", "c"]], min_count=2,
                           specials=(PAD, UNK, MASK))
    words = without_specials(corpus)
    assert words.vocab.itos == corpus.vocab.itos[3:] and words.vocab.specials == ()
    np.testing.assert_array_equal(words.vocab.counts, corpus.vocab.counts[3:])
    # document 2 ("odd" = <unk>) disappears; "rare" (<unk>) inside document 1 is dropped
    assert [words.vocab.decode(words.document(d)) for d in range(len(words))] == [["a", "b", "a"], ["b", "c", "c"]]
    assert words.n_dropped == 2


def test_target_vectors_read_the_word_or_its_blank(vocab):
    encoder = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, seed=1)
    texts = ["the cat sat on the mat", ["a", "dog", "ran"]]
    shown = encoder.target_vectors(texts, [1, 2], hide_target=False)                 # (2, 8)
    H = encoder.encode(texts)
    np.testing.assert_allclose(shown, [H[0, 1], H[1, 2]], rtol=1e-6)
    hidden = encoder.target_vectors(texts, [1, 2])
    blank = encoder.encode([["the", "<mask>", "sat", "on", "the", "mat"]])[0, 1]       # "<mask>" is the mask id
    np.testing.assert_allclose(hidden[0], blank, rtol=1e-6)
    assert not np.allclose(hidden[0], shown[0])
    attention = encoder.target_vectors(texts, [1, 2], layer="attention")
    assert attention.shape == (2, 8) and not np.allclose(attention, hidden)
    with pytest.raises(ValueError, match="position 3 is outside text 1, which has 3 tokens"):
        encoder.target_vectors(texts, [0, 3])
    with pytest.raises(ValueError, match="one integer per text"):
        encoder.target_vectors(texts, [0])


def test_sinusoid_positions_by_hand_and_as_the_start_of_pos_emb(vocab, tmp_path):
    from minembed.encoder.model import sinusoid_positions
    P = sinusoid_positions(3, 4) / np.sqrt(2 / 4)
    np.testing.assert_allclose(P[1], [np.sin(1), np.cos(1), np.sin(0.01), np.cos(0.01)])
    P = sinusoid_positions(64, 64)
    assert np.sqrt(np.mean(P ** 2)) == pytest.approx(64 ** -0.5)           # the size of a token embedding
    gram = P @ P.T                                                           # depends on the offset only
    np.testing.assert_allclose(np.diag(gram, 1)[:-1], np.diag(gram, 1)[1:], rtol=1e-12)
    encoder = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, position_init="sinusoid")
    np.testing.assert_allclose(encoder.params["pos_emb"], sinusoid_positions(8, 8), rtol=1e-6)
    encoder.save(tmp_path / "e.npz")
    assert AttentionEncoder.load(tmp_path / "e.npz").config["position_init"] == "sinusoid"
    with pytest.raises(ValueError, match="position_init must be"):
        AttentionEncoder(vocab, position_init="learned")


def test_training_and_use_are_functions_that_take_the_encoder():
    """No mixins: AttentionEncoder's training and use are mlm's and contextual's functions, which never
    import the model (the encoder is their first argument)."""
    import ast
    import inspect
    from minembed.encoder import batches, mlm
    assert AttentionEncoder.__bases__ == (object,)
    assert AttentionEncoder.fit is mlm.train and AttentionEncoder.evaluate_batches is mlm.evaluate_batches
    for name in ("encode", "sentence_vectors", "target_vectors", "fill_mask", "attention", "keyed_vectors"):
        assert getattr(AttentionEncoder, name) is getattr(contextual, name), name
    for module in (mlm, batches, contextual):
        tree = ast.parse(inspect.getsource(module))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {"model", "encoder.model"} & imported and "minembed.encoder.model" not in imported, module
