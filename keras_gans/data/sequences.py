"""Token sequences for sequence GANs (SeqGAN): a word-level corpus as `tf.data`.

Elements are dicts `{"tokens": int32 [B, max_length]}`: a sentence's token ids
followed by 0 (padding, which also marks the end) up to `max_length`. A
sentence of exactly `max_length` tokens has no 0. Id 1 is the unknown word.

Sources (`keras_gans.data.load(name, ...)` and `keras_gans.data.info(name)`):

| name | what |
|---|---|
| `"fortunes"` | the Debian package `fortunes` (`apt-get install fortunes`): the text files in `/usr/share/games/fortunes/` (fortune cookies, quotations, jokes) |
| `"text:<path>"` | a UTF-8 text file, one sentence per line |
| `"seqgan_oracle"` | SeqGAN's synthetic data: sequences of 20 ids in [0, 5000) sampled from an oracle LSTM with N(0, 1) weights (`oracle()`); 10,000 for training as the paper, 10,000 more as `"test"` |

**Fortunes.** Every file of the folder without an extension is read (the
`.dat` files are `strfile` indexes, the `.u8` files symbolic links to the same
text); entries are separated by lines holding only `%`. The picture files
(`art`, `ascii-art`) are skipped. Within an entry, overstruck characters
(`x\\b`) are removed, attribution lines (starting with `--`) dropped, the lines
joined, and the text split into sentences after `.`, `!` or `?` followed by
white space (not after `mr.`, `dr.`, `e.g.`, ... nor single letters).

**Sentences** are lower-cased and tokenised into words (`\\w+` with inner
apostrophes: `don't`) and single punctuation marks (`TOKEN_RE`); a sentence is
kept when it has 3 to `max_length` tokens (and, for fortunes, when at least
half of them contain a letter, which drops tables and pictures). Repeated
sentences are kept once. The `"test"` split is the sentences whose SHA-1 falls
in the lowest 10% of the hash range (`keras_gans.data.folders.holdout_mask`),
so the split of a sentence depends on its text only, and no sentence is in both.

**Vocabulary** (`Vocabulary`): id 0 `<pad>` (padding / end), id 1 `<unk>`, then
every token seen at least `min_count` times in the training split, most frequent
first (ties alphabetically). Test sentences map unseen words to 1.

Example:

```python
from keras_gans import data

ds = data.load("fortunes", batch_size=64, max_length=20, seed=0)
batch = next(iter(ds))["tokens"]          # int32 [64, 20]
vocab = data.sequences.vocabulary("fortunes")
vocab.decode(batch[0])                    # "a fool and his money are soon parted ."
```
"""

import collections
import dataclasses
import os
import re
import threading

import numpy as np
import tensorflow as tf

from keras_gans.data import folders as _folders
from keras_gans.data import images as _images
from keras_gans.data.images import DatasetInfo, DatasetNotFoundError

__all__ = [
    "FORTUNES_DIR",
    "MIN_TOKENS",
    "PAD",
    "SequenceInfo",
    "TOKEN_RE",
    "UNK",
    "Vocabulary",
    "corpus_sentences",
    "info_sequences",
    "load_sequences",
    "load_sequences_numpy",
    "split_sentences",
    "tokenize",
    "vocabulary",
]

FORTUNES_DIR = "/usr/share/games/fortunes"
FORTUNES_PACKAGE = "fortunes"
FORTUNES_SKIP = ("art", "ascii-art")  # pictures, not sentences
TEXT_PREFIX = "text:"
PAD, UNK = 0, 1
PAD_TOKEN, UNK_TOKEN = "<pad>", "<unk>"
MIN_TOKENS = 3
TEST_FRACTION = 0.1
SEQUENCE_SPLITS = ("train", "test", "all")

TOKEN_RE = re.compile(r"\w+(?:['\u2019]\w+)*|[^\w\s]")
_OVERSTRIKE_RE = re.compile(r".\x08")
_ATTRIBUTION_RE = re.compile(r"^\s*(--|\u2014)")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof vs etc e.g i.e no vol fig mt gen col capt lt sgt rev inc ltd co".split()
)


# --------------------------------------------------------------------------- #
# Text
# --------------------------------------------------------------------------- #


def tokenize(text):
    """Lower-cases `text` and splits it into words and punctuation marks (`TOKEN_RE`)."""
    return TOKEN_RE.findall(text.lower())


def split_sentences(text):
    """Splits running text after `.`, `!`, `?` (and closing quotes) followed by white space.

    Does not split after common abbreviations (`mr.`, `dr.`, `e.g.`, `etc.`)
    or a single letter (`j. r. r. tolkien`).
    """
    text = " ".join(text.split())
    parts, start = [], 0
    for m in _SENTENCE_END_RE.finditer(text):
        chunk = text[start : m.end()].strip()  # with its closing quotes
        bare = chunk.rstrip("\"')]")
        last = bare.rstrip(".!?").rsplit(" ", 1)[-1].lower().lstrip("(\"'")
        if bare.endswith(".") and (last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())):
            continue
        parts.append(chunk)
        start = m.end()
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _fortune_entries(text):
    entry = []
    for line in text.split("\n"):
        if line.rstrip("\r") == "%":
            yield "\n".join(entry)
            entry = []
        else:
            entry.append(line)
    if any(line.strip() for line in entry):
        yield "\n".join(entry)


def _mostly_words(tokens):
    return 2 * sum(any(ch.isalpha() for ch in t) for t in tokens) >= len(tokens)


def fortune_files(directory):
    """The text files of a fortunes folder: no `.dat` indexes, no `.u8` links, no pictures."""
    out = []
    for f in sorted(os.listdir(directory)):
        p = os.path.join(directory, f)
        if f.startswith(".") or "." in f or f in FORTUNES_SKIP or not os.path.isfile(p) or os.path.islink(p):
            continue
        out.append(p)
    return out


# --------------------------------------------------------------------------- #
# Corpora
# --------------------------------------------------------------------------- #


def _missing_fortunes(searched):
    return DatasetNotFoundError(
        "The 'fortunes' corpus was not found (searched " + ", ".join(repr(s) for s in searched) + "). "
        f"Install the Debian package {FORTUNES_PACKAGE!r} (sudo apt-get install -y {FORTUNES_PACKAGE}), "
        f"which puts its text files in {FORTUNES_DIR}/, or pass data_dir=... pointing at a folder of "
        "fortune files ('%'-separated entries)."
    )


def _resolve(name, data_dir):
    """`(kind, path)` for a sequence dataset name."""
    if name == "fortunes":
        searched = []
        if data_dir is not None:
            base = os.path.abspath(os.path.expanduser(os.fspath(data_dir)))
            searched += [os.path.join(base, "fortunes"), base]
        searched.append(FORTUNES_DIR)
        for d in searched:
            if os.path.isdir(d) and fortune_files(d):
                return "fortunes", d
        raise _missing_fortunes(searched)
    if name.startswith(TEXT_PREFIX):
        path = os.path.abspath(os.path.expanduser(name[len(TEXT_PREFIX):]))
        if not name[len(TEXT_PREFIX):]:
            raise ValueError(f"{name!r}: give a text file after 'text:', e.g. 'text:/path/to/sentences.txt'.")
        if not os.path.isfile(path):
            raise DatasetNotFoundError(
                f"Text corpus {path!r} does not exist"
                + (" (it is a directory; pass a text file, one sentence per line)" if os.path.isdir(path) else "")
                + "."
            )
        return "text", path
    raise ValueError(f"Unknown sequence dataset {name!r}: use 'fortunes' or 'text:<path to a text file>'.")


_CORPUS_CACHE = {}
_CORPUS_LOCK = threading.Lock()


def _stamp(paths):
    return tuple((p, os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in paths)


def _read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def corpus_sentences(name, max_length=20, data_dir=None):
    """The tokenised sentences of a corpus and their split (read once per process).

    Args:
        name: `"fortunes"` or `"text:<path>"`.
        max_length: longest sentence kept (in tokens).
        data_dir: another folder holding the fortune files.

    Returns:
        `(sentences, is_test, path)`: a tuple of token tuples (3..`max_length`
        tokens each, first occurrences in file order), a bool numpy array (True
        for the test split), and the corpus path.

    Raises:
        DatasetNotFoundError: the corpus is missing (the message names the path
            and the Debian package).
        ValueError: the corpus holds no sentence of 3..`max_length` tokens.
    """
    if not (_images._is_int(max_length) and max_length >= MIN_TOKENS):
        raise ValueError(f"max_length must be an int >= {MIN_TOKENS}; got {max_length!r}.")
    kind, path = _resolve(name, data_dir)
    files = fortune_files(path) if kind == "fortunes" else [path]
    key = (kind, _stamp(files), int(max_length))
    with _CORPUS_LOCK:
        if key in _CORPUS_CACHE:
            return _CORPUS_CACHE[key] + (path,)
    if kind == "fortunes":
        raw = []
        for f in files:
            for entry in _fortune_entries(_OVERSTRIKE_RE.sub("", _read_text(f))):
                lines = [ln for ln in entry.split("\n") if not _ATTRIBUTION_RE.match(ln)]
                raw += [(tokenize(s), True) for s in split_sentences("\n".join(lines))]
    else:
        raw = [(tokenize(line), False) for line in _read_text(path).splitlines()]
    seen, sentences = set(), []
    for tokens, check_words in raw:
        if not MIN_TOKENS <= len(tokens) <= max_length or (check_words and not _mostly_words(tokens)):
            continue
        t = tuple(tokens)
        if t not in seen:
            seen.add(t)
            sentences.append(t)
    if not sentences:
        raise ValueError(
            f"The corpus {path!r} holds no sentence of {MIN_TOKENS} to {max_length} tokens"
            + (" (is the file empty?)" if all(os.path.getsize(f) == 0 for f in files) else "")
            + (". Text files hold one sentence per line." if kind == "text" else ".")
        )
    is_test = _folders.holdout_mask([" ".join(s) for s in sentences], TEST_FRACTION)
    result = (tuple(sentences), is_test)
    with _CORPUS_LOCK:
        _CORPUS_CACHE[key] = result
    return result + (path,)


# --------------------------------------------------------------------------- #
# Vocabulary
# --------------------------------------------------------------------------- #


class Vocabulary:
    """Token <-> id maps: 0 `<pad>` (padding / end), 1 `<unk>`, then the tokens.

    Attributes:
        tokens: tuple of tokens by id (`tokens[0] == "<pad>"`, `tokens[1] == "<unk>"`).
    """

    def __init__(self, tokens):
        tokens = tuple(tokens)
        if tokens[:2] == (PAD_TOKEN, UNK_TOKEN):
            tokens = tokens[2:]
        bad = [t for t in tokens if not isinstance(t, str) or not t or any(ch.isspace() for ch in t)]
        if bad:
            raise ValueError(f"Vocabulary tokens must be non-empty strings without white space; got {bad[:5]!r}.")
        self.tokens = (PAD_TOKEN, UNK_TOKEN) + tokens
        self._ids = {t: i for i, t in enumerate(self.tokens)}
        if len(self._ids) != len(self.tokens):
            dup = [t for t, n in collections.Counter(self.tokens).items() if n > 1]
            raise ValueError(f"Vocabulary tokens must be unique; repeated: {dup[:5]!r}.")

    @classmethod
    def build(cls, sentences, min_count=2):
        """From tokenised sentences: tokens seen `min_count` times or more, most frequent first."""
        if not (_images._is_int(min_count) and min_count >= 1):
            raise ValueError(f"min_count must be a positive int; got {min_count!r}.")
        counts = collections.Counter(t for s in sentences for t in s)
        kept = sorted((t for t, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t))
        return cls(kept)

    def __len__(self):
        return len(self.tokens)

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.tokens == other.tokens

    def __repr__(self):
        return f"Vocabulary({len(self)} tokens: {', '.join(self.tokens[2:8])}, ...)"

    def index(self, token):
        """The id of `token` (1 when unknown)."""
        return self._ids.get(token, UNK)

    def encode(self, words, max_length=None):
        """Ids of `words` (a list of tokens, or a string, tokenised by `tokenize`).

        Args:
            words: tokens or text.
            max_length: None returns the ids as they are; an int pads them with
                0 to that length (an error if longer).

        Returns:
            An int32 numpy array.
        """
        if isinstance(words, str):
            words = tokenize(words)
        ids = [self.index(w) for w in words]
        if max_length is not None:
            if len(ids) > max_length:
                raise ValueError(f"{len(ids)} tokens do not fit in max_length {max_length}.")
            ids += [PAD] * (max_length - len(ids))
        return np.asarray(ids, np.int32)

    def decode(self, ids):
        """The tokens of `ids` joined by spaces, up to the first 0 (the end)."""
        out = []
        for i in np.asarray(ids).reshape(-1).tolist():
            if i == PAD:
                break
            if not 0 <= i < len(self.tokens):
                raise ValueError(f"id {i} is outside the vocabulary (0..{len(self.tokens) - 1}).")
            out.append(self.tokens[i])
        return " ".join(out)

    def save(self, path):
        """Writes the tokens, one per line (ids are line numbers from 0), UTF-8."""
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(self.tokens) + "\n")

    @classmethod
    def load(cls, path):
        """Reads a file written by `save`."""
        with open(path, encoding="utf-8", newline="\n") as f:
            tokens = f.read().split("\n")
        if tokens and tokens[-1] == "":
            tokens.pop()
        if tuple(tokens[:2]) != (PAD_TOKEN, UNK_TOKEN):
            raise ValueError(
                f"{path} is not a vocabulary file: its first two lines must be {PAD_TOKEN!r} and {UNK_TOKEN!r}."
            )
        return cls(tokens)


def _check_vocabulary(vocab):
    if vocab is None or isinstance(vocab, Vocabulary):
        return vocab
    if isinstance(vocab, (str, os.PathLike)):
        return Vocabulary.load(os.fspath(vocab))
    raise ValueError(f"vocabulary must be None, a Vocabulary or a vocabulary file path; got {vocab!r}.")


def vocabulary(name, max_length=20, min_count=2, data_dir=None):
    """The `Vocabulary` `load_sequences` builds for these arguments (from the training split)."""
    sentences, is_test, _ = corpus_sentences(name, max_length, data_dir)
    return Vocabulary.build([s for s, t in zip(sentences, is_test) if not t], min_count)


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


@dataclasses.dataclass(frozen=True)
class SequenceInfo(DatasetInfo):
    """What a sequence dataset holds (`image_shape` and `num_classes` are None).

    Attributes:
        vocabulary_size: number of ids, the two special ones included.
        max_length: the sequence length.
        min_count: the vocabulary's count threshold.
        path: the corpus file or folder.
        description: where the sentences come from.
    """

    vocabulary_size: int = 0
    max_length: int = 0
    min_count: int = 0
    path: str = ""
    description: str = ""


def _split_sentences_of(sentences, is_test, split):
    if split not in SEQUENCE_SPLITS:
        raise ValueError(f"split for a sequence dataset must be one of {SEQUENCE_SPLITS}; got {split!r}.")
    if split == "all":
        return list(sentences)
    want = split == "test"
    return [s for s, t in zip(sentences, is_test) if bool(t) == want]


# --------------------------------------------------------------------------- #
# SeqGAN's synthetic oracle data
# --------------------------------------------------------------------------- #

ORACLE = "seqgan_oracle"
ORACLE_SEED = 88  # the official sequence_gan.py's SEED
ORACLE_VOCABULARY, ORACLE_LENGTH, ORACLE_SAMPLES = 5000, 20, 10000
_ORACLE_CACHE = {}


def oracle():
    """The oracle LSTM of `"seqgan_oracle"`: :func:`keras_gans.networks.seqgan_oracle` with
    vocabulary 5,000, length 20, every weight N(0, 1), drawn from seed 88 (the official
    code loads its own fixed weights instead; ours are ours). The same network in every
    process (seeded initialisers)."""
    from keras_gans.networks.seqgan import seqgan_oracle

    return seqgan_oracle(ORACLE_VOCABULARY, sequence_length=ORACLE_LENGTH, seed=ORACLE_SEED)


def _oracle_tokens(split):
    """10,000 sequences of the oracle (train: stream 0, test: stream 1), made once a process."""
    if split not in _ORACLE_CACHE:
        from keras_gans.models.sequence import sample_sequences

        network = oracle()
        stream = {"train": 0, "test": 1}[split]
        parts = [sample_sequences(network, 1000, ORACLE_LENGTH, tf.constant([ORACLE_SEED, 1000 * stream + i]))
                 for i in range(ORACLE_SAMPLES // 1000)]
        _ORACLE_CACHE[split] = np.concatenate([np.asarray(p) for p in parts]).astype(np.int32)
    return _ORACLE_CACHE[split]


def _oracle_numpy(split, max_length):
    if max_length != ORACLE_LENGTH:
        raise ValueError(f"{ORACLE!r} sequences have {ORACLE_LENGTH} tokens; received max_length={max_length}.")
    if split not in SEQUENCE_SPLITS:
        raise ValueError(f"split for a sequence dataset must be one of {SEQUENCE_SPLITS}; got {split!r}.")
    if split == "all":
        return np.concatenate([_oracle_tokens("train"), _oracle_tokens("test")])
    return _oracle_tokens(split)


def load_sequences_numpy(name, split="train", max_length=20, min_count=2, data_dir=None, vocabulary=None):
    """A whole split as `(tokens, vocabulary)`: int32 `[N, max_length]` in corpus order
    (`vocabulary` None for `"seqgan_oracle"`, whose ids are not words)."""
    if name == ORACLE:
        return _oracle_numpy(split, max_length), None
    sentences, is_test, path = corpus_sentences(name, max_length, data_dir)
    vocab = _check_vocabulary(vocabulary) or Vocabulary.build(
        [s for s, t in zip(sentences, is_test) if not t], min_count
    )
    chosen = _split_sentences_of(sentences, is_test, split)
    if not chosen:
        raise ValueError(f"The {split!r} split of {path!r} is empty ({len(sentences)} sentences in all).")
    return np.stack([vocab.encode(s, max_length) for s in chosen]), vocab


def load_sequences(name, split="train", batch_size=64, max_length=20, shuffle=True, seed=None, repeat=False,
                   drop_remainder=True, min_count=2, data_dir=None, *, vocabulary=None):
    """Loads tokenised sentences as a dataset of `{"tokens": int32 [B, max_length]}`.

    Args:
        name: `"fortunes"` or `"text:<path>"` (one sentence per line).
        split: `"train"`, `"test"` (about 10%, by a hash of the sentence) or `"all"`.
        batch_size: positive int, or None for unbatched sequences.
        max_length: the sequence length; longer sentences are left out.
        shuffle: shuffle the sentences each epoch.
        seed: int seed for a reproducible order, or None.
        repeat: False (one epoch), True (forever) or an int number of epochs.
        drop_remainder: drop the last partial batch.
        min_count: the vocabulary keeps tokens seen this often in training.
        data_dir: a folder holding the fortune files (searched before
            `/usr/share/games/fortunes`); ignored for `text:`.
        vocabulary: a `Vocabulary` or a file written by `Vocabulary.save` to
            use instead of building one.

    Returns:
        A `tf.data.Dataset` of `{"tokens": int32 [B, max_length]}`, ids of
        `vocabulary(name, max_length, min_count)`, padded with 0.

    Raises:
        DatasetNotFoundError: the corpus is missing.
        ValueError: an empty corpus or split, or a bad argument.
    """
    batch_size, _, shuffle, seed, repeat, drop_remainder, _ = _folders.check_common_args(
        batch_size, None, shuffle, seed, repeat, drop_remainder, False
    )
    tokens, _ = load_sequences_numpy(name, split, max_length, min_count, data_dir, vocabulary)
    ds = tf.data.Dataset.from_tensor_slices(tokens)
    if shuffle:
        ds = ds.shuffle(len(tokens), seed=seed, reshuffle_each_iteration=True)
    ds = _folders.repeat_epochs(ds, repeat)
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.map(lambda t: {"tokens": t}).prefetch(tf.data.AUTOTUNE)


def info_sequences(name, data_dir=None, *, max_length=20, min_count=2, vocabulary=None, **unused):
    """The `SequenceInfo` of a sequence dataset: vocabulary size and split sizes."""
    del unused
    if name == ORACLE:
        return SequenceInfo(
            name=name, image_shape=None, num_classes=None,
            num_examples={"train": ORACLE_SAMPLES, "test": ORACLE_SAMPLES}, vocabulary_size=ORACLE_VOCABULARY,
            max_length=ORACLE_LENGTH, min_count=0, path="(generated)",
            description=f"SeqGAN's synthetic data: {ORACLE_LENGTH}-token sequences of an oracle LSTM "
                        f"(vocabulary {ORACLE_VOCABULARY}, N(0, 1) weights, seed {ORACLE_SEED})",
        )
    sentences, is_test, path = corpus_sentences(name, max_length, data_dir)
    vocab = _check_vocabulary(vocabulary) or Vocabulary.build(
        [s for s, t in zip(sentences, is_test) if not t], min_count
    )
    n_test = int(np.sum(is_test))
    where = f"the Debian package {FORTUNES_PACKAGE!r} ({path})" if name == "fortunes" else path
    return SequenceInfo(
        name=name, image_shape=None, num_classes=None,
        num_examples={"train": len(sentences) - n_test, "test": n_test},
        vocabulary_size=len(vocab), max_length=int(max_length), min_count=int(min_count), path=path,
        description=f"word-level sentences of {MIN_TOKENS}..{max_length} tokens from {where}",
    )


# --------------------------------------------------------------------------- #
# Routing for keras_gans.data.load / info / load_numpy
# --------------------------------------------------------------------------- #


def is_sequence_name(name):
    return isinstance(name, str) and (name in ("fortunes", ORACLE) or name.startswith(TEXT_PREFIX))


def load_named(name, split="train", batch_size=64, image_size=None, with_labels=False, shuffle=True, seed=None,
               repeat=False, drop_remainder=True, data_dir=None, cache=True, **kwargs):
    """`keras_gans.data.load` for sequence names (`image_size`, `with_labels` do not apply)."""
    del cache  # the sentences are in memory already
    if image_size is not None:
        raise ValueError(f"image_size does not apply to {name!r} (token sequences); pass max_length=... instead.")
    if _images._check_bool("with_labels", with_labels):
        raise ValueError(f"with_labels=True, but {name!r} has no labels (elements are {{'tokens'}}).")
    return load_sequences(name, split=split, batch_size=batch_size, shuffle=shuffle, seed=seed, repeat=repeat,
                          drop_remainder=drop_remainder, data_dir=data_dir, **kwargs)


def numpy_named(name, split="train", data_dir=None, **kwargs):
    """`keras_gans.data.load_numpy` for sequence names: `(tokens int32 [N, max_length], None)`."""
    tokens, _ = load_sequences_numpy(name, split=split, data_dir=data_dir, **kwargs)
    return tokens, None


def route(name, split=None):
    """A `keras_gans.data.paired.Route` for `"fortunes"` and `"text:<path>"`, else None."""
    del split
    if not is_sequence_name(name):
        return None
    from keras_gans.data import paired  # here: paired.route imports this module

    return paired.Route(load_named, info_sequences, numpy_named)
