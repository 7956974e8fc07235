"""Text-generation metrics: BLEU against a test set, Self-BLEU and distinct-n.

The protocols of the SeqGAN family of papers on real text, as the Texygen benchmark
(github geek-ai/Texygen, ``utils/metrics/Bleu.py`` and ``SelfBleu.py``) computes them with
nltk:

* :func:`bleu` -- quality. Every generated sentence is scored with nltk's sentence-level
  BLEU against the **whole** reference set (all test sentences at once, not one paired
  reference), with uniform weights ``1 / max_n`` and ``SmoothingFunction().method1``; the
  scores are averaged. Texygen: ``sentence_bleu(reference, hypothesis, weight,
  smoothing_function=SmoothingFunction().method1)`` for each hypothesis, then the mean.
* :func:`self_bleu` -- diversity (lower is more diverse). Each generated sentence is
  scored against all the *other* generated sentences (left out by position, so a
  duplicate elsewhere still counts), then the mean.
* :func:`distinct_n` -- diversity (higher is more diverse): distinct n-grams over all
  n-grams (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural
  Conversation Models").

Inputs are token sequences: a list (or tuple) whose elements are lists / tuples / 1-D
arrays of hashable tokens (ints or strings), or a 2-D integer NumPy array
``[num_sequences, length]``. With ``pad_id`` set, every sequence is cut at its first
``pad_id`` (the pad and everything after it are dropped); with ``pad_id=None`` (default)
nothing is cut. Sentences must already be tokenised: a ``str`` element is refused.

The values equal nltk 3.x's ``nltk.translate.bleu_score.sentence_bleu`` (to float
rounding) but are computed without nltk and without scoring every hypothesis against every
reference: BLEU's clipping only needs, per n-gram, its largest count within a single
reference, and the brevity penalty only needs the sorted set of reference lengths, so both
are built once. nltk's rules, followed here exactly:

* modified precision of order n is ``sum(min(count, max_ref_count)) / max(1, L - n + 1)``
  for a hypothesis of length ``L``; when ``L < n`` it is ``0 / 1``;
* if no unigram matches (including an empty hypothesis) the score is 0, whatever the
  smoothing;
* ``"method1"`` replaces a zero numerator by ``epsilon = 0.1``: a zero precision becomes
  ``0.1 / denominator``. So a hypothesis shorter than ``n`` gets precision 0.1 for that
  order (e.g. a one-token hypothesis that matches scores ``bp * 0.1 ** 0.75`` in BLEU-4);
* the brevity penalty uses the reference length closest to ``L`` (ties to the shorter):
  1 if ``L > r`` else ``exp(1 - r / L)``;
* score ``= bp * exp(fsum(log(p_n) / max_n))``.

One deliberate difference: with ``smoothing=None`` a zero precision of some order makes
the score exactly 0. nltk (``method0``) warns and substitutes ``sys.float_info.min`` for
that precision, so it returns a tiny positive number instead (about ``1e-77`` times the
other factors for BLEU-4), which is 0 for every practical purpose.

Example:

```python
from keras_gans.metrics import text

test = [line.split() for line in open("test.txt")]
generated = [line.split() for line in open("generated.txt")]
text.bleu(generated, test, max_n=4)           # BLEU-4 against the test set
text.self_bleu(generated, max_n=4, sample=500)
text.distinct_n(generated, 2)
# Token ids straight from a generator, 0 = end-of-sequence / pad:
text.bleu(sample_ids, test_ids, max_n=3, pad_id=0)
```
"""

import bisect
import collections
import collections.abc
import math
import numbers

import numpy as np

__all__ = ["bleu", "self_bleu", "distinct_n"]

_METHOD1_EPSILON = 0.1  # nltk SmoothingFunction's default epsilon


def _describe(value, limit=60):
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(value).__name__} {text}"


def _token_sequences(data, pad_id, name):
    """Validates ``data`` and returns a list of tuples of tokens, cut at ``pad_id``."""
    if isinstance(data, np.ndarray):
        if data.ndim != 2 or not np.issubdtype(data.dtype, np.integer):
            raise ValueError(
                f"{name} must be a 2-D integer NumPy array [num_sequences, length] or a list of "
                f"token sequences; received an array of shape {data.shape} and dtype "
                f"{data.dtype}."
            )
        rows = data.tolist()
    elif isinstance(data, (str, bytes)) or not isinstance(data, collections.abc.Sequence):
        raise TypeError(
            f"{name} must be a list of token sequences (lists / tuples of ints or strings) or "
            f"a 2-D integer NumPy array; received {_describe(data)}."
        )
    else:
        rows = data
    if len(rows) == 0:
        raise ValueError(f"{name} is empty; expected at least one token sequence.")
    out = []
    for i, row in enumerate(rows):
        if isinstance(row, np.ndarray):
            if row.ndim != 1:
                raise TypeError(
                    f"{name}[{i}] must be a 1-D sequence of tokens; received an array of "
                    f"shape {row.shape}."
                )
            row = row.tolist()
        elif isinstance(row, (str, bytes)):
            raise TypeError(
                f"{name}[{i}] is {_describe(row)}; expected a list or tuple of tokens. Split "
                f"sentences into tokens first (e.g. text.split())."
            )
        elif not isinstance(row, collections.abc.Sequence):
            raise TypeError(
                f"{name}[{i}] is {_describe(row)}; expected a list or tuple of tokens (ints "
                f"or strings)."
            )
        seq = tuple(row)
        if pad_id is not None:
            try:
                seq = seq[: seq.index(pad_id)]
            except ValueError:
                pass
        try:
            hash(seq)
        except TypeError:
            bad = next(t for t in seq if not isinstance(t, collections.abc.Hashable))
            raise TypeError(
                f"{name}[{i}] holds an unhashable token {_describe(bad)}; tokens must be "
                f"hashable (ints or strings)."
            ) from None
        out.append(seq)
    return out


def _check_max_n(max_n, name="max_n"):
    if not isinstance(max_n, numbers.Integral) or isinstance(max_n, bool):
        raise TypeError(f"{name} must be an int >= 1; received {_describe(max_n)}.")
    if max_n < 1:
        raise ValueError(f"{name} must be an int >= 1; received {max_n}.")
    return int(max_n)


def _check_smoothing(smoothing):
    if not (smoothing is None or (isinstance(smoothing, str) and smoothing == "method1")):
        raise ValueError(
            f"smoothing must be 'method1' (nltk SmoothingFunction().method1) or None (no "
            f"smoothing); received {smoothing!r}."
        )
    return smoothing


def _ngram_counts(seq, max_n):
    """Counter of all n-grams of orders 1..max_n of ``seq``, keyed by tuple (order = len)."""
    counts = collections.Counter()
    length = len(seq)
    for n in range(1, min(max_n, length) + 1):
        counts.update(seq[k : k + n] for k in range(length - n + 1))
    return counts


def _closest(lengths, hyp_len):
    """nltk's closest_ref_length over the sorted distinct reference ``lengths``."""
    idx = bisect.bisect_left(lengths, hyp_len)
    if idx < len(lengths) and lengths[idx] == hyp_len:
        return hyp_len
    below = lengths[idx - 1] if idx > 0 else None
    above = lengths[idx] if idx < len(lengths) else None
    if below is None:
        return above
    if above is None or hyp_len - below <= above - hyp_len:
        return below
    return above


def _score(hyp_len, numerators, ref_len, max_n, smoothing):
    """Sentence BLEU from the clipped match counts ``numerators[n - 1]`` of each order."""
    if numerators[0] == 0:  # nltk returns 0 before smoothing when no unigram matches
        return 0.0
    weight = 1.0 / max_n
    terms = []
    for k in range(max_n):
        denominator = max(1, hyp_len - k)
        if numerators[k] > 0:
            precision = numerators[k] / denominator
        elif smoothing == "method1":
            precision = _METHOD1_EPSILON / denominator
        else:
            return 0.0
        terms.append(weight * math.log(precision))
    penalty = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    return penalty * math.exp(math.fsum(terms))


def bleu(hypotheses, references, max_n=4, smoothing="method1", pad_id=None):
    """Mean sentence-level BLEU-``max_n`` of the hypotheses, each against all references.

    Equals ``mean(nltk sentence_bleu(references, h, weights=(1/max_n,) * max_n,
    smoothing_function=SmoothingFunction().method1) for h in hypotheses)`` -- the Texygen /
    SeqGAN "BLEU against the test set" protocol.

    Args:
        hypotheses: generated token sequences (see the module docstring for the forms).
        references: the reference set (e.g. all test sentences); every hypothesis is scored
            against all of it.
        max_n: highest n-gram order; weights are uniform, ``1 / max_n`` each.
        smoothing: ``"method1"`` (nltk's, epsilon 0.1 for a zero match count) or ``None``
            (a zero precision of any order scores 0).
        pad_id: if set, every sequence (of either argument) is cut at its first ``pad_id``.

    Returns:
        A Python float in [0, 1].
    """
    max_n = _check_max_n(max_n)
    smoothing = _check_smoothing(smoothing)
    hypotheses = _token_sequences(hypotheses, pad_id, "hypotheses")
    references = _token_sequences(references, pad_id, "references")

    max_ref_counts = {}
    for ref in references:
        for gram, count in _ngram_counts(ref, max_n).items():
            if count > max_ref_counts.get(gram, 0):
                max_ref_counts[gram] = count
    ref_lengths = sorted({len(ref) for ref in references})

    scores = []
    for hyp in hypotheses:
        numerators = [0] * max_n
        for gram, count in _ngram_counts(hyp, max_n).items():
            clip = max_ref_counts.get(gram, 0)
            if clip:
                numerators[len(gram) - 1] += min(count, clip)
        scores.append(_score(len(hyp), numerators, _closest(ref_lengths, len(hyp)), max_n,
                             smoothing))
    return math.fsum(scores) / len(scores)


def self_bleu(sequences, max_n=4, smoothing="method1", sample=None, seed=0, pad_id=None):
    """Mean BLEU-``max_n`` of each sequence against all the other sequences (Self-BLEU).

    Sequence ``i`` is scored as :func:`bleu` would score it with references
    ``sequences[:i] + sequences[i + 1:]`` (left out by position: an identical sequence
    elsewhere in the list still counts as a reference). Lower is more diverse.

    Args:
        sequences: generated token sequences, at least 2.
        max_n: highest n-gram order; uniform weights.
        smoothing: ``"method1"`` or ``None``, as in :func:`bleu`.
        sample: if an int ``k`` smaller than ``len(sequences)``, only the hypotheses at
            ``np.random.default_rng(seed).choice(len(sequences), k, replace=False)`` are
            scored, each still against all the other sequences. ``None`` or ``k >=
            len(sequences)`` scores every sequence. (Texygen's "fast" Self-BLEU instead
            keeps only the first 500 sentences as the whole set.)
        seed: seed of the sample.
        pad_id: if set, every sequence is cut at its first ``pad_id``.

    Returns:
        A Python float in [0, 1].
    """
    max_n = _check_max_n(max_n)
    smoothing = _check_smoothing(smoothing)
    sequences = _token_sequences(sequences, pad_id, "sequences")
    num = len(sequences)
    if num < 2:
        raise ValueError(
            f"self_bleu needs at least 2 sequences (each is scored against the others); "
            f"received {num}."
        )
    if sample is not None:
        if not isinstance(sample, numbers.Integral) or isinstance(sample, bool) or sample < 1:
            raise ValueError(f"sample must be None or an int >= 1; received {sample!r}.")
        sample = int(sample)
    if sample is None or sample >= num:
        chosen = range(num)
    else:
        chosen = np.random.default_rng(seed).choice(num, size=sample, replace=False).tolist()

    # Per n-gram: [largest per-sentence count, how many sentences have it, largest count
    # below that (0 if none)] -- enough to drop any one sentence in O(1).
    stats = {}
    all_counts = []
    for seq in sequences:
        counts = _ngram_counts(seq, max_n)
        all_counts.append(counts)
        for gram, count in counts.items():
            entry = stats.get(gram)
            if entry is None:
                stats[gram] = [count, 1, 0]
            elif count > entry[0]:
                entry[2] = entry[0]
                entry[0] = count
                entry[1] = 1
            elif count == entry[0]:
                entry[1] += 1
            elif count > entry[2]:
                entry[2] = count
    length_counts = collections.Counter(len(seq) for seq in sequences)
    lengths = sorted(length_counts)

    scores = []
    for i in chosen:
        hyp_len = len(sequences[i])
        numerators = [0] * max_n
        for gram, count in all_counts[i].items():
            top, num_top, second = stats[gram]
            clip = second if (count == top and num_top == 1) else top
            if clip:
                numerators[len(gram) - 1] += min(count, clip)
        if length_counts[hyp_len] > 1:
            ref_len = hyp_len
        else:  # the only sequence of this length is the hypothesis itself
            idx = bisect.bisect_left(lengths, hyp_len)
            others = lengths[max(0, idx - 1) : idx] + lengths[idx + 1 : idx + 2]
            ref_len = min(others, key=lambda r: (abs(r - hyp_len), r))
        scores.append(_score(hyp_len, numerators, ref_len, max_n, smoothing))
    return math.fsum(scores) / len(scores)


def distinct_n(sequences, n, pad_id=None):
    """Distinct-n: the number of distinct n-grams over the total number of n-grams.

    Both are counted over all sequences together (an n-gram never spans two sequences);
    sequences shorter than ``n`` contribute nothing. Returns 0.0 when there is no n-gram
    at all.

    Args:
        sequences: token sequences.
        n: the n-gram order, >= 1.
        pad_id: if set, every sequence is cut at its first ``pad_id``.

    Returns:
        A Python float in [0, 1].
    """
    n = _check_max_n(n, "n")
    sequences = _token_sequences(sequences, pad_id, "sequences")
    total = 0
    distinct = set()
    for seq in sequences:
        grams = [seq[k : k + n] for k in range(len(seq) - n + 1)]
        total += len(grams)
        distinct.update(grams)
    return len(distinct) / total if total else 0.0
