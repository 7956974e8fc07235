"""Tests for the original GAN's zoo script (zoo/gan/train.py)."""


def test_script_trains_the_tiny_preset_and_exports(run_zoo_script):
    out, summary = run_zoo_script("zoo.gan.train", "--preset=gan_tiny", "--epochs=1",
                                  "--steps_per_epoch=2", "--grid_size=4")
    assert summary["preset"] == "gan_tiny" and summary["dataset"] == "digits"
    assert summary["batch_size"] == 32 and len(summary["history"]["g_loss"]) == 1
    assert (out / "samples" / "final.png").is_file()
    assert (out / "saved_model" / "1" / "saved_model.pb").is_file()


def test_veegan_script_trains_the_tiny_preset_and_exports(run_zoo_script):
    out, summary = run_zoo_script("zoo.veegan.train", "--preset=veegan_tiny", "--epochs=1",
                                  "--steps_per_epoch=2", "--grid_size=4")
    assert summary["preset"] == "veegan_tiny" and "recon" in summary["history"]
    assert (out / "saved_model" / "1" / "saved_model.pb").is_file()
