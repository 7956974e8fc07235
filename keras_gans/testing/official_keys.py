"""Official PyTorch state-dict key names and shapes, written out from the authors' module
definitions (BasicSR ``rrdbnet_arch.py``), for tests that build synthetic checkpoints.

Independent of our builders on purpose: a test that loads these into our networks checks the
names and layouts against the official code, not against themselves."""


def conv(name, cin, cout, k=3, bias=True):
    """``nn.Conv2d(cin, cout, k)``'s keys: ``weight`` ``(cout, cin, k, k)`` [and ``bias``]."""
    return [(f"{name}.weight", (cout, cin, k, k))] + ([(f"{name}.bias", (cout,))] if bias else [])


def bn(name, c):
    """``nn.BatchNorm2d(c)``'s keys, ``num_batches_tracked`` included."""
    return [(f"{name}.{p}", (c,)) for p in ("weight", "bias", "running_mean", "running_var")] + [
        (f"{name}.num_batches_tracked", ())]


def rrdbnet_keys(nf=64, nb=23, g=32, cin=3, cout=3):
    """BasicSR ``RRDBNet(cin, cout, scale=4, nf, nb, g)``: ``conv_first``, ``nb`` RRDBs of three
    5-conv dense blocks, ``conv_body``, ``conv_up1/2``, ``conv_hr``, ``conv_last``."""
    keys = conv("conv_first", cin, nf)
    for b in range(nb):
        for d in (1, 2, 3):
            for k in range(1, 5):
                keys += conv(f"body.{b}.rdb{d}.conv{k}", nf + (k - 1) * g, g)
            keys += conv(f"body.{b}.rdb{d}.conv5", nf + 4 * g, nf)
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        keys += conv(name, nf, nf)
    return keys + conv("conv_last", nf, cout)
