"""Tests for the text metrics (keras_gans/metrics/text.py): BLEU, Self-BLEU, distinct-n.

References: nltk's ``sentence_bleu`` with ``SmoothingFunction().method1`` (the Texygen
protocol), an explicit leave-one-out loop over nltk for Self-BLEU, and cases computed by
hand below. nltk is in the ``test`` extra; the nltk tests fail (not skip) without it.
"""

import math
import warnings

import numpy as np
import pytest

from keras_gans.metrics import text


def _nltk():
    """nltk's sentence_bleu and method1; an ImportError here fails the calling test."""
    from nltk.translate.bleu_score import SmoothingFunction
    from nltk.translate.bleu_score import sentence_bleu

    return sentence_bleu, SmoothingFunction().method1


def _nltk_bleu(references, hypothesis, max_n, smoothing):
    sentence_bleu, method1 = _nltk()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns on zero counts without smoothing
        return float(sentence_bleu(
            [list(r) for r in references], list(hypothesis), (1.0 / max_n,) * max_n,
            smoothing_function=method1 if smoothing == "method1" else None,
        ))


def _random_corpus(rng, num, vocab, max_len, min_len=0):
    return [rng.integers(0, vocab, rng.integers(min_len, max_len + 1)).tolist()
            for _ in range(num)]


def _hypotheses(rng, vocab):
    hyps = _random_corpus(rng, 12, vocab, 10)
    hyps += _random_corpus(rng, 4, vocab, 3, min_len=1)  # shorter than 4 tokens
    hyps.append([1000, 1001, 1002, 1003, 1004])  # no token in the references
    hyps.append([])
    return hyps


# ------------------------------------------------------------------------- bleu vs nltk


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_bleu_matches_nltk_on_random_corpora(seed):
    rng = np.random.default_rng(seed)
    vocab = 5 + seed
    references = _random_corpus(rng, 25, vocab, 12)
    hypotheses = _hypotheses(rng, vocab) + [list(references[3])]
    for max_n in (1, 2, 3, 4, 5):
        for smoothing in ("method1", None):
            expected = [_nltk_bleu(references, h, max_n, smoothing) for h in hypotheses]
            got = text.bleu(hypotheses, references, max_n=max_n, smoothing=smoothing)
            assert abs(got - np.mean(expected)) < 1e-9, (max_n, smoothing)
            for h, e in zip(hypotheses, expected):
                one = text.bleu([h], references, max_n=max_n, smoothing=smoothing)
                assert abs(one - e) < 1e-9, (h, max_n, smoothing)


def test_bleu_matches_nltk_with_string_tokens_and_few_references():
    rng = np.random.default_rng(7)
    words = np.array("the a cat dog sat on mat rug is was".split())
    references = [words[rng.integers(0, 10, rng.integers(2, 9))].tolist() for _ in range(3)]
    hypotheses = [words[rng.integers(0, 10, rng.integers(1, 9))].tolist() for _ in range(30)]
    for max_n in (2, 4):
        expected = np.mean([_nltk_bleu(references, h, max_n, "method1") for h in hypotheses])
        assert abs(text.bleu(hypotheses, references, max_n=max_n) - expected) < 1e-9


def test_short_and_disjoint_hypotheses_follow_nltk():
    references = [[1, 2, 3], [2, 3, 4, 5, 6]]
    # One matching token, BLEU-4: p1 = 1/1; orders 2..4 have numerator 0 and denominator
    # max(1, 1 - n + 1) = 1, so method1 makes each 0.1 / 1. Closest reference length to 1
    # is 3, bp = exp(1 - 3 / 1) = exp(-2). BLEU = exp(-2) * 0.1 ** (3 / 4).
    assert text.bleu([[2]], references) == pytest.approx(math.exp(-2) * 0.1 ** 0.75, rel=1e-12)
    assert text.bleu([[2]], references) == pytest.approx(_nltk_bleu(references, [2], 4,
                                                                    "method1"), abs=1e-12)
    # No unigram match: 0 whatever the smoothing (nltk returns before smoothing).
    for smoothing in ("method1", None):
        assert text.bleu([[7, 8, 9, 7]], references, smoothing=smoothing) == 0.0
        assert _nltk_bleu(references, [7, 8, 9, 7], 4, smoothing) == 0.0
    assert text.bleu([[]], references) == 0.0


def test_no_smoothing_zero_precision_is_exactly_zero_where_nltk_is_tiny():
    references = [[1, 2, 3], [2, 3, 4, 5, 6]]
    hypothesis = [3, 1, 5]  # unigrams match, no bigram does
    assert text.bleu([hypothesis], references, max_n=2, smoothing=None) == 0.0
    # nltk's method0 substitutes sys.float_info.min for the zero precision: positive, tiny.
    nltk_value = _nltk_bleu(references, hypothesis, 2, None)
    assert 0.0 < nltk_value < 1e-70
    # With method1 the bigram precision is 0.1 / 2 instead: bp = 1 (3 tokens, closest 3).
    assert text.bleu([hypothesis], references, max_n=2) == pytest.approx(
        math.sqrt(1.0 * 0.05), rel=1e-12)


# ------------------------------------------------------------------- bleu by hand


def test_bleu2_two_references_by_hand():
    r1 = "the cat sat on the mat".split()  # 6 tokens
    r2 = "there is a cat on the mat".split()  # 7 tokens
    h1 = "the the cat on mat".split()  # 5 tokens
    h2 = ["cat"]  # 1 token
    # h1 unigrams: the x2 (max count in one reference: 2, in r1), cat, on, mat -> clipped
    #   2 + 1 + 1 + 1 = 5 of 5: p1 = 1.
    # h1 bigrams: (the the) 0, (the cat) 1 [r1], (cat on) 1 [r2], (on mat) 0: p2 = 2 / 4.
    # Closest reference length to 5: 6 -> bp = exp(1 - 6 / 5) = exp(-0.2).
    # BLEU-2(h1) = exp(-0.2) * (1 * 2 / 4) ** (1 / 2) = 0.578930...
    b1 = math.exp(-0.2) * math.sqrt(1 * 2 / 4)
    # h2: p1 = 1 / 1; no bigram: numerator 0, denominator max(1, 0) = 1, method1: 0.1 / 1.
    # Closest length to 1: 6 -> bp = exp(1 - 6 / 1) = exp(-5).
    # BLEU-2(h2) = exp(-5) * (1 * 0.1) ** (1 / 2) = 0.0021307...
    b2 = math.exp(-5) * math.sqrt(1 * 0.1)
    assert text.bleu([h1], [r1, r2], max_n=2) == pytest.approx(b1, rel=1e-12)
    assert text.bleu([h1, h2], [r1, r2], max_n=2) == pytest.approx((b1 + b2) / 2, rel=1e-12)
    # Without smoothing h2's zero bigram precision makes it 0.
    assert text.bleu([h1, h2], [r1, r2], max_n=2, smoothing=None) == pytest.approx(
        b1 / 2, rel=1e-12)
    # BLEU-1 of h1: p1 = 1, same bp.
    assert text.bleu([h1], [r1, r2], max_n=1) == pytest.approx(math.exp(-0.2), rel=1e-12)


def test_clipping_uses_the_largest_count_within_one_reference_not_the_sum():
    # "a" appears once in each of two references: the clip is 1, not 2.
    # p1 = 1 / 3, hypothesis length 3 > closest 1 -> bp = 1; BLEU-1 = 1 / 3.
    assert text.bleu([["a", "a", "a"]], [["a"], ["a"]], max_n=1) == pytest.approx(1 / 3)
    # A reference with "a" twice raises the clip to 2: p1 = 2 / 3; closest length to 3
    # among {1, 2} is 2 < 3 -> bp = 1.
    assert text.bleu([["a", "a", "a"]], [["a"], ["a", "a"]], max_n=1) == pytest.approx(2 / 3)


def test_brevity_penalty_ties_go_to_the_shorter_reference():
    # Hypothesis length 4, references of lengths 2 and 6: both 2 away, nltk takes 2 ->
    # 4 > 2, bp = 1. Taking 6 would give exp(1 - 6 / 4).
    refs = [[1, 2], [1, 2, 3, 4, 5, 6]]
    assert text.bleu([[1, 2, 3, 4]], refs, max_n=1) == pytest.approx(1.0)
    # Hypothesis length 3 among lengths 2 and 5: 2 is closer -> bp = 1.
    assert text.bleu([[1, 2, 3]], [[1, 2], [1, 2, 3, 4, 5]], max_n=1) == pytest.approx(1.0)
    # Length 3 among 5 and 8: 5 -> bp = exp(1 - 5 / 3).
    assert text.bleu([[1, 2, 3]], [[1, 2, 3, 4, 5], [1] * 8], max_n=1) == pytest.approx(
        math.exp(1 - 5 / 3))


# ---------------------------------------------------------------------------- self_bleu


def _nltk_self_bleu(sequences, max_n, smoothing="method1", indices=None):
    indices = range(len(sequences)) if indices is None else indices
    return np.mean([
        _nltk_bleu(sequences[:i] + sequences[i + 1:], sequences[i], max_n, smoothing)
        for i in indices
    ])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_self_bleu_matches_nltk_leave_one_out(seed):
    rng = np.random.default_rng(seed)
    sequences = _random_corpus(rng, 20, 4 + seed, 9)
    sequences += [list(sequences[0]), list(sequences[5])]  # duplicates still count
    sequences += [[2, 2, 2, 2, 2, 2, 2], [9, 9], [3], [], [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2]]
    for max_n in (1, 2, 3, 4):
        for smoothing in ("method1", None):
            expected = _nltk_self_bleu(sequences, max_n, smoothing)
            got = text.self_bleu(sequences, max_n=max_n, smoothing=smoothing)
            assert abs(got - expected) < 1e-9, (max_n, smoothing)


def test_self_bleu_sample_scores_the_documented_subset_against_all_others():
    rng = np.random.default_rng(11)
    sequences = _random_corpus(rng, 40, 6, 10, min_len=1)
    for seed in (0, 3):
        indices = np.random.default_rng(seed).choice(40, size=7, replace=False).tolist()
        expected = _nltk_self_bleu(sequences, 3, indices=indices)
        got = text.self_bleu(sequences, max_n=3, sample=7, seed=seed)
        assert abs(got - expected) < 1e-9
    full = text.self_bleu(sequences, max_n=3)
    assert text.self_bleu(sequences, max_n=3, sample=40) == full
    assert text.self_bleu(sequences, max_n=3, sample=500) == full
    assert text.self_bleu(sequences, max_n=3, sample=7, seed=0) != full


def test_self_bleu_by_hand_leaves_the_hypothesis_out():
    # BLEU-1 of each sequence against the two others:
    # (1 1 1) vs (1 2), (2 2): "1" clipped to 1 -> p1 = 1/3; length 3 > closest 2, bp 1.
    # (1 2) vs (1 1 1), (2 2): both tokens match -> p1 = 1; closest length 2 = 2, bp 1.
    # (2 2) vs (1 1 1), (1 2): "2" clipped to 1 -> p1 = 1/2; closest 2, bp 1.
    # Mean = (1/3 + 1 + 1/2) / 3 = 11/18. Counting the hypothesis itself would give 1.
    assert text.self_bleu([(1, 1, 1), (1, 2), (2, 2)], max_n=1) == pytest.approx(11 / 18)
    # Lengths: (1 2) vs lengths {4, 6}: closest 4 -> bp = exp(1 - 4/2) = exp(-1), p1 = 1.
    # (1 2 3 4) vs lengths {2, 6}: tie, shorter 2 -> bp 1; p1 = 1.
    # (1 .. 6) vs lengths {2, 4}: closest 4 < 6 -> bp 1; 5 and 6 unmatched -> p1 = 4/6.
    seqs = [(1, 2), (1, 2, 3, 4), (1, 2, 3, 4, 5, 6)]
    assert text.self_bleu(seqs, max_n=1) == pytest.approx((math.exp(-1) + 1 + 4 / 6) / 3)
    # A duplicate is another sequence: two copies score 1 against each other.
    assert text.self_bleu([(5, 6, 7, 8), (5, 6, 7, 8)], max_n=4) == pytest.approx(1.0)


# --------------------------------------------------------------------------- distinct_n


def test_distinct_n_by_hand():
    seqs = [(1, 2, 1, 2), (1, 2, 3)]
    # Unigrams: 7 tokens, distinct {1, 2, 3} -> 3 / 7.
    assert text.distinct_n(seqs, 1) == pytest.approx(3 / 7)
    # Bigrams: (1 2) (2 1) (1 2) | (1 2) (2 3) -> 5 in all, distinct 3 -> 3 / 5. None spans
    # the two sequences (joined, the extra (2 1) across the boundary would give 3 / 6).
    assert text.distinct_n(seqs, 2) == pytest.approx(3 / 5)
    # 4-grams: only (1 2 1 2) -> 1 / 1. 5-grams: none -> 0.
    assert text.distinct_n(seqs, 4) == 1.0
    assert text.distinct_n(seqs, 5) == 0.0
    # Strings; "the cat" twice among 4 bigrams -> 3 / 4.
    words = ["the cat sat".split(), "the cat".split(), "cat the".split()]
    assert text.distinct_n(words, 2) == pytest.approx(3 / 4)
    assert text.distinct_n([[], []], 1) == 0.0


# ------------------------------------------------------------------------------- pad_id


def test_pad_id_cuts_each_row_at_its_first_pad():
    ids = np.array([[3, 4, 0, 5], [0, 1, 1, 1], [6, 7, 8, 9]])
    # Cut: (3 4), (), (6 7 8 9): 6 tokens, all distinct.
    assert text.distinct_n(ids, 1, pad_id=0) == 1.0
    # Uncut: 12 tokens, distinct {0, 1, 3, 4, 5, 6, 7, 8, 9} -> 9 / 12.
    assert text.distinct_n(ids, 1) == pytest.approx(9 / 12)
    refs = np.array([[3, 4, 9, 0, 0], [6, 7, 8, 0, 2], [1, 1, 1, 1, 1]])
    cut_refs = [[3, 4, 9], [6, 7, 8], [1, 1, 1, 1, 1]]
    cut_ids = [[3, 4], [], [6, 7, 8, 9]]
    expected = text.bleu(cut_ids, cut_refs, max_n=2)
    assert text.bleu(ids, refs, max_n=2, pad_id=0) == expected
    assert text.bleu(ids, refs, max_n=2) != expected
    # Lists are cut too, and a pad that never occurs cuts nothing.
    assert text.bleu([[3, 4, 0, 5], [0, 1], [6, 7, 8, 9]], cut_refs, max_n=2,
                     pad_id=0) == expected
    assert text.distinct_n(ids, 1, pad_id=42) == text.distinct_n(ids, 1)
    seqs = np.array([[1, 2, 3, 0], [1, 2, 0, 0], [4, 4, 4, 4]])
    assert text.self_bleu(seqs, max_n=2, pad_id=0) == text.self_bleu(
        [[1, 2, 3], [1, 2], [4, 4, 4, 4]], max_n=2)


# ------------------------------------------------------------------------------- errors


def test_errors_say_what_was_received_and_expected():
    refs = [[1, 2, 3]]
    with pytest.raises(ValueError, match=r"hypotheses is empty; expected at least one"):
        text.bleu([], refs)
    with pytest.raises(ValueError, match=r"references is empty"):
        text.bleu([[1]], [])
    with pytest.raises(ValueError, match=r"sequences is empty"):
        text.distinct_n([], 2)
    with pytest.raises(ValueError, match=r"max_n must be an int >= 1; received 0"):
        text.bleu([[1]], refs, max_n=0)
    with pytest.raises(TypeError, match=r"max_n must be an int >= 1; received float 2.0"):
        text.self_bleu([[1], [2]], max_n=2.0)
    with pytest.raises(TypeError, match=r"max_n must be an int >= 1; received bool True"):
        text.bleu([[1]], refs, max_n=True)
    with pytest.raises(ValueError, match=r"n must be an int >= 1; received -1"):
        text.distinct_n([[1]], -1)
    with pytest.raises(TypeError, match=r"hypotheses\[1\] is int 5; expected a list or tuple"):
        text.bleu([[1, 2], 5], refs)
    with pytest.raises(TypeError, match=r"references\[0\] is str 'the cat'.*Split sentences"):
        text.bleu([["the"]], ["the cat"])
    with pytest.raises(TypeError, match=r"must be a list of token sequences.*received str"):
        text.distinct_n("the cat", 1)
    with pytest.raises(TypeError, match=r"sequences\[0\] is set"):
        text.distinct_n([{1, 2}], 1)
    with pytest.raises(TypeError, match=r"unhashable token list \[1\]"):
        text.bleu([[[1], 2]], refs)
    with pytest.raises(ValueError, match=r"smoothing must be 'method1'.*or None.*"
                                         r"received 'method2'"):
        text.bleu([[1]], refs, smoothing="method2")
    with pytest.raises(ValueError, match=r"received 'Method1'"):
        text.self_bleu([[1], [2]], smoothing="Method1")
    with pytest.raises(ValueError, match=r"2-D integer NumPy array.*shape \(2, 3, 4\)"):
        text.bleu(np.zeros((2, 3, 4), int), refs)
    with pytest.raises(ValueError, match=r"dtype float64"):
        text.bleu([[1]], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"at least 2 sequences.*received 1"):
        text.self_bleu([[1, 2, 3]])
    with pytest.raises(ValueError, match=r"sample must be None or an int >= 1; received 0"):
        text.self_bleu([[1], [2]], sample=0)
