"""The alias method: the tables give every id its probability exactly, and draws follow it."""
import numpy as np
import pytest

from minembed.word2vec.alias import alias_draw, alias_table, table_probs


def test_hand_worked_table():
    # q = 4 * (0.1, 0.2, 0.3, 0.4) = (0.4, 0.8, 1.2, 1.6): slot 1 takes 0.2 of word 3 (q3 -> 1.4), slot 0
    # takes 0.6 of word 3 (q3 -> 0.8: small now), slot 3 takes 0.2 of word 2 (q2 -> 1.0), slot 2 keeps its own
    accept, alias = alias_table(np.array([0.1, 0.2, 0.3, 0.4]))
    np.testing.assert_allclose(accept, [0.4, 0.8, 1.0, 0.8])
    assert alias.tolist() == [3, 3, 2, 2]
    np.testing.assert_allclose(table_probs(accept, alias), [0.1, 0.2, 0.3, 0.4], rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_tables_are_exact_for_random_distributions(seed):
    rng = np.random.default_rng(seed)
    probs = rng.random(1000) ** 4                        # skewed, as word counts are
    probs[rng.integers(0, 1000, 50)] = 0.0               # some ids never drawn (special tokens)
    probs /= probs.sum()
    accept, alias = alias_table(probs)
    assert accept.min() >= 0 and accept.max() <= 1 and alias.dtype == np.int32
    np.testing.assert_allclose(table_probs(accept, alias), probs, atol=1e-15)
    draws = alias_draw(rng, accept, alias, 20_000)
    assert probs[draws].min() > 0                        # a zero-probability id never comes out


def test_draws_follow_the_distribution():
    probs = np.array([0.0, 0.5, 0.3, 0.15, 0.05])
    accept, alias = alias_table(probs)
    draws = alias_draw(np.random.default_rng(1), accept, alias, (400, 500))
    assert draws.shape == (400, 500)
    frequencies = np.bincount(draws.ravel(), minlength=5) / draws.size
    np.testing.assert_allclose(frequencies, probs, atol=0.003)   # 200,000 draws: sd <= 0.0011


def test_one_id_and_bad_input():
    accept, alias = alias_table([1.0])
    assert alias_draw(np.random.default_rng(0), accept, alias, 5).tolist() == [0] * 5
    for bad in ([], [0.5, -0.1], [np.nan, 1.0], [[0.5, 0.5]]):
        with pytest.raises(ValueError, match="non-negative probabilities"):
            alias_table(bad)
    with pytest.raises(ValueError, match="all of them are 0"):
        alias_table([0.0, 0.0])
    np.testing.assert_allclose(table_probs(*alias_table([2.0, 1.0, 1.0])), [0.5, 0.25, 0.25])   # weights


def test_same_seed_same_draws():
    accept, alias = alias_table(np.array([0.2, 0.3, 0.5]))
    first = alias_draw(np.random.default_rng(7), accept, alias, 100)
    assert np.array_equal(first, alias_draw(np.random.default_rng(7), accept, alias, 100))
