"""Tests of keras_gans.data.sequences: word-level token sequences (SeqGAN)."""

import hashlib
import os

import numpy as np
import pytest

from keras_gans import data
from keras_gans.data import sequences as sq

LINES = [
    "The cat sat on the mat.",
    "The dog sat on the log!",
    "A cat and a dog don't agree, do they?",
    "Hi.",  # 2 tokens: too short
    "the cat sat on the mat and the dog sat on the log and nobody cared at all , really",  # 20 tokens
    "",
    "Zebras are rare here, but the cat is not.",
] + [f"line number {i} is about the cat" for i in range(40)]


def _text(tmp_path, lines=LINES, name="corpus.txt"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"text:{p}"


def _is_test(sentence_tokens):
    """Independent recomputation of the split: SHA-1 of the space-joined tokens in the lowest 10%."""
    h = int.from_bytes(hashlib.sha1(" ".join(sentence_tokens).encode()).digest()[:4], "big")
    return h < int(0.1 * 2**32)


def test_tokenize_and_sentence_split():
    assert sq.tokenize("Don't PANIC, Mr. Dent!") == ["don't", "panic", ",", "mr", ".", "dent", "!"]
    assert sq.split_sentences("Hello there.  Mr. Smith came.\nWho? \"Me!\" he said.") == [
        "Hello there.", "Mr. Smith came.", "Who?", "\"Me!\"", "he said."]


def test_vocabulary_round_trip_padding_and_file(tmp_path):
    name = _text(tmp_path)
    vocab = sq.vocabulary(name, max_length=20, min_count=2)
    assert vocab.tokens[:2] == ("<pad>", "<unk>") and vocab.index("<pad>") == 0
    assert vocab.index("the") == 2  # the most frequent training token comes first
    assert vocab.index("zebras") == 1  # seen once: below min_count, unknown
    ids = vocab.encode("The cat sat on the mat.")
    assert ids.dtype == np.int32 and 1 not in ids.tolist() and 0 not in ids.tolist()
    assert vocab.decode(ids) == "the cat sat on the mat ."
    padded = vocab.encode(["the", "cat", "sat"], max_length=6)
    assert padded.tolist()[3:] == [0, 0, 0] and vocab.decode(padded) == "the cat sat"
    assert vocab.decode([vocab.index("cat"), 0, vocab.index("dog")]) == "cat"  # 0 ends the sentence
    with pytest.raises(ValueError, match="do not fit"):
        vocab.encode("a b c d", max_length=3)
    path = tmp_path / "vocab.txt"
    vocab.save(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[:3] == ["<pad>", "<unk>", "the"] and len(lines) == len(vocab) + 1  # one token per line
    assert sq.Vocabulary.load(path) == vocab
    (tmp_path / "bad.txt").write_text("the\ncat\n")
    with pytest.raises(ValueError, match="not a vocabulary file"):
        sq.Vocabulary.load(tmp_path / "bad.txt")


def test_dataset_shapes_padding_and_length_filter(tmp_path):
    name = _text(tmp_path)
    ds = sq.load_sequences(name, split="all", batch_size=None, max_length=20, shuffle=False, min_count=1)
    rows = np.stack([e["tokens"].numpy() for e in ds])
    assert rows.dtype == np.int32 and rows.shape[1] == 20
    vocab = sq.vocabulary(name, max_length=20, min_count=1)
    decoded = [vocab.decode(r) for r in rows]
    assert "hi ." not in decoded and "" not in decoded  # < 3 tokens dropped
    assert decoded[:3] == ["the cat sat on the mat .", "the dog sat on the log !",
                           "a cat and a dog don't agree , do they ?"]
    for r in rows:  # ids, then only padding
        n = int(np.count_nonzero(r))
        assert (r[:n] > 0).all() and (r[n:] == 0).all()
    assert any(np.count_nonzero(r) == 20 for r in rows)  # a 20-token sentence fills the row
    short = [vocab.decode(e["tokens"]) for e in sq.load_sequences(name, split="all", batch_size=None,
                                                                  max_length=19, shuffle=False)]
    assert len(short) == len(rows) - 1  # the 20-token line is too long for max_length=19
    b = next(iter(sq.load_sequences(name, batch_size=8, seed=0)))
    assert set(b) == {"tokens"} and b["tokens"].shape == (8, 20) and b["tokens"].dtype.name == "int32"


def test_split_is_by_sentence_hash_and_disjoint(tmp_path):
    lines = [f"sentence {i} says {i * 7 % 13} things" for i in range(300)] + ["sentence 1 says 7 things"] * 3
    name = _text(tmp_path, lines)
    sentences, is_test, _ = sq.corpus_sentences(name, 20)
    assert len(sentences) == 300  # repeated sentences kept once
    assert is_test.tolist() == [_is_test(s) for s in sentences]
    vocab = sq.Vocabulary.build(sentences, 1)  # every word known: distinct sentences stay distinct
    get = lambda split: {vocab.decode(e["tokens"]) for e in sq.load_sequences(  # noqa: E731
        name, split=split, batch_size=None, shuffle=False, vocabulary=vocab)}
    train, test = get("train"), get("test")
    assert train.isdisjoint(test) and len(train) + len(test) == 300
    assert 10 <= len(test) <= 60  # about 10%
    assert test == {" ".join(s) for s, t in zip(sentences, is_test) if t}
    info = sq.info_sequences(name, min_count=1)
    assert info.num_examples == {"train": len(train), "test": len(test)}
    assert info.vocabulary_size == len(sq.vocabulary(name, min_count=1)) < len(vocab)  # from train only


def test_seed_fixes_the_order(tmp_path):
    name = _text(tmp_path)
    order = lambda seed: [b["tokens"].numpy().tolist() for b in sq.load_sequences(  # noqa: E731
        name, split="all", batch_size=4, seed=seed)]
    assert order(1) == order(1) and order(1) != order(2)
    epochs = [b["tokens"].numpy() for b in sq.load_sequences(name, split="all", batch_size=None, seed=1, repeat=2)]
    assert len(epochs) % 2 == 0
    half = len(epochs) // 2
    assert sorted(x.tobytes() for x in epochs[:half]) == sorted(x.tobytes() for x in epochs[half:])
    assert [x.tobytes() for x in epochs[:half]] != [x.tobytes() for x in epochs[half:]]  # reshuffled


def test_fortune_files_are_parsed(tmp_path):
    d = tmp_path / "fortunes"
    d.mkdir()
    (d / "wisdom").write_text(
        "A stitch in time saves nine. Look before you leap!\n"
        "\t\t-- Anonymous\n%\n"
        "B\x08Bo\x08ol\x08ld\x08d words are here.\n%\n"
        "| 1 | 2 | 3 | 4 | 5 | 6 |\n%\n"
    )
    (d / "wisdom.dat").write_bytes(b"\x00\x00\x00\x02binary index")
    os.symlink("wisdom", d / "wisdom.u8")
    (d / "ascii-art").write_text("these words are a picture really\n%\n")
    sentences, _, path = sq.corpus_sentences("fortunes", 20, data_dir=tmp_path)
    assert path == str(d)
    assert [" ".join(s) for s in sentences] == [
        "a stitch in time saves nine .", "look before you leap !", "bold words are here ."]


def test_missing_and_empty_corpora(tmp_path, monkeypatch):
    monkeypatch.setattr(sq, "FORTUNES_DIR", str(tmp_path / "no-fortunes"))
    with pytest.raises(data.DatasetNotFoundError, match=r"no-fortunes.*apt-get install -y fortunes"):
        sq.load_sequences("fortunes", data_dir=tmp_path)
    with pytest.raises(data.DatasetNotFoundError, match="missing.txt"):
        sq.load_sequences(f"text:{tmp_path / 'missing.txt'}")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="no sentence of 3 to 20 tokens"):
        sq.load_sequences(f"text:{tmp_path / 'empty.txt'}")
    (tmp_path / "short.txt").write_text("hi\nyes no\n")
    with pytest.raises(ValueError, match="no sentence"):
        sq.info_sequences(f"text:{tmp_path / 'short.txt'}")
    with pytest.raises(ValueError, match="split for a sequence dataset"):
        sq.load_sequences(_text(tmp_path), split="validation")
    with pytest.raises(ValueError, match="max_length"):
        sq.load_sequences(_text(tmp_path), max_length=2)


@pytest.mark.skipif(not os.path.isdir(sq.FORTUNES_DIR),
                    reason=f"{sq.FORTUNES_DIR} is absent: the Debian package 'fortunes' is not installed")
def test_real_fortunes_corpus():
    info = sq.info_sequences("fortunes")
    assert info.num_examples["train"] > 5000 and info.num_examples["test"] > 500
    assert 2000 < info.vocabulary_size < 50000
    tokens, vocab = sq.load_sequences_numpy("fortunes", "train")
    assert tokens.shape == (info.num_examples["train"], 20) and len(vocab) == info.vocabulary_size
    sentences, is_test, _ = sq.corpus_sentences("fortunes", 20)
    train_set = {s for s, t in zip(sentences, is_test) if not t}
    test_set = {s for s, t in zip(sentences, is_test) if t}
    assert train_set.isdisjoint(test_set) and len(test_set) == info.num_examples["test"]
    assert all(3 <= len(s) <= 20 for s in sentences)
    assert [vocab.decode(r) for r in tokens[:50]] == [  # ids decode back to the training sentences
        " ".join(vocab.tokens[vocab.index(w)] for w in s) for s in sentences if s in train_set][:50]
    for t in ("the", ".", "you", "is"):
        assert vocab.index(t) > 1
    unk_share = (tokens == 1).sum() / (tokens > 0).sum()
    assert unk_share < 0.05  # words, not binary index bytes
    b = next(iter(sq.load_sequences("fortunes", batch_size=16, seed=0)))["tokens"].numpy()
    assert b.shape == (16, 20) and (b >= 0).all() and (b < len(vocab)).all()


def test_keras_gans_data_load_routes_sequence_names(tmp_path):
    """Needs the route in keras_gans.data.paired.route (see the module's route())."""
    name = _text(tmp_path)
    b = next(iter(data.load(name, batch_size=4, max_length=12, seed=0)))
    assert b["tokens"].shape == (4, 12)
    assert data.info(name, max_length=12).max_length == 12
    tokens, labels = data.load_numpy(name, split="all")
    assert tokens.shape[1] == 20 and labels is None
    with pytest.raises(ValueError, match="max_length"):
        data.load(name, image_size=32)
